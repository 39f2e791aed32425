package singlenode

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/koss-io/koss/storage/internal/consensus"

	"github.com/hashicorp/raft"
)

// Config configures a Proposer proposer.
type Config struct {
	// FSM receives the commands.
	FSM consensus.IndexedFSM
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// MaxBatch caps the number of commands applied in one batch.
	MaxBatch int
}

// DefaultConfig returns a Config with defaults for everything but FSM.
func DefaultConfig() Config {
	return Config{MaxBatch: 256}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.FSM == nil {
		return errors.New("singlenode: config: FSM is required")
	}
	if c.MaxBatch < 1 {
		return errors.New("singlenode: config: MaxBatch must be at least 1")
	}
	return nil
}

// Proposer is the single-node proposer: the log is the sequence of Propose
// calls, committed as soon as the state machine has applied them. It is safe
// for concurrent use.
type Proposer struct {
	fsm      consensus.IndexedFSM
	lg       *slog.Logger
	maxBatch int

	proposals chan *proposal
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	index uint64 // last index handed to the FSM
}

type proposal struct {
	cmd    []byte
	result chan any
}

// New starts a Proposer proposer. Indexes continue after the FSM's applied
// index.
func New(cfg Config) (*Proposer, error) {
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultConfig().MaxBatch
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	l := &Proposer{
		fsm:       cfg.FSM,
		lg:        lg.With("component", "consensus"),
		maxBatch:  cfg.MaxBatch,
		proposals: make(chan *proposal, cfg.MaxBatch),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		index:     cfg.FSM.AppliedIndex(),
	}
	go l.run()
	return l, nil
}

// Propose applies cmd after every command proposed before it and returns the
// state machine's result once the command is durable. If ctx ends first,
// Propose returns ctx.Err() and the command may or may not take effect.
// The caller must not modify cmd afterwards.
func (l *Proposer) Propose(ctx context.Context, cmd []byte) (any, error) {
	p := &proposal{cmd: cmd, result: make(chan any, 1)}
	select {
	case l.proposals <- p:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.quit:
		return nil, consensus.ErrClosed
	}
	select {
	case r := <-p.result:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		// run drains what it accepted before stopping; a result may
		// still be waiting.
		select {
		case r := <-p.result:
			return r, nil
		default:
			return nil, consensus.ErrClosed
		}
	}
}

// Barrier returns once every command proposed before it has been applied.
// Propose only returns after applying, so on a single node there is nothing
// to wait for.
func (l *Proposer) Barrier(ctx context.Context) error {
	select {
	case <-l.quit:
		return consensus.ErrClosed
	default:
		return ctx.Err()
	}
}

// LastIndex returns the index of the last command applied.
func (l *Proposer) LastIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.index
}

// Close stops accepting proposals, applies those already accepted and
// returns when the apply loop has stopped.
func (l *Proposer) Close() error {
	l.closeOnce.Do(func() { close(l.quit) })
	<-l.done
	return nil
}

// run is the apply loop: take one proposal, add whatever else is queued (up
// to maxBatch), apply them as one batch.
func (l *Proposer) run() {
	defer close(l.done)
	batch := make([]*proposal, 0, l.maxBatch)
	logs := make([]*raft.Log, 0, l.maxBatch)
	for {
		batch = batch[:0]
		select {
		case p := <-l.proposals:
			batch = append(batch, p)
		case <-l.quit:
			// Apply what was accepted before Close, then stop.
			for {
				select {
				case p := <-l.proposals:
					l.apply([]*proposal{p}, logs[:0])
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < l.maxBatch {
			select {
			case p := <-l.proposals:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		l.apply(batch, logs[:0])
	}
}

func (l *Proposer) apply(batch []*proposal, logs []*raft.Log) {
	l.mu.Lock()
	for _, p := range batch {
		l.index++
		logs = append(logs, &raft.Log{Index: l.index, Term: 1, Type: raft.LogCommand, Data: p.cmd})
	}
	l.mu.Unlock()
	results := l.fsm.ApplyBatch(logs)
	for i, p := range batch {
		p.result <- results[i]
	}
}
