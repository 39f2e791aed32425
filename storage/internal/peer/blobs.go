package peer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
)

// pathBlobs is where a node serves its blobs to peers: GET pathBlobs+id.
const pathBlobs = "/-/peer/v1/blobs/"

// Headers of a served blob: its CRC-64/ECMA (decimal) and MD5 (hex), so the
// fetching node can check what it stored.
const (
	headerBlobCRC64 = "X-Koss-Blob-Crc64"
	headerBlobMD5   = "X-Koss-Blob-Md5"
)

// ErrNoCopy is returned when no peer has a copy of a blob.
var ErrNoCopy = errors.New("peer: no peer has the blob")

// ServeBlobs lets peers fetch this node's blobs (GET /-/peer/v1/blobs/{id}).
// The content is read through the store's verifying reader, so a corrupt
// copy ends the response early instead of being served.
func ServeBlobs(s *Server, store blob.Store) {
	s.HandleFunc("GET "+pathBlobs+"{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !blob.ValidID(id) {
			http.Error(w, "invalid blob id", http.StatusBadRequest)
			return
		}
		h, err := store.Open(id)
		if errors.Is(err, blob.ErrNotFound) {
			http.Error(w, "no such blob", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer h.Close()
		info := h.Info()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
		w.Header().Set(headerBlobCRC64, strconv.FormatUint(info.CRC64, 10))
		w.Header().Set(headerBlobMD5, hex.EncodeToString(info.MD5[:]))
		if _, err := io.Copy(w, blob.NewReader(h, 0, info.Size)); err != nil {
			s.lg.Warn("Serving a blob to a peer failed", "blob", id, "error", err)
		}
	})
}

// FetchConfig configures NewFetchingStore.
type FetchConfig struct {
	// Local is this node's blob store.
	Local blob.Store
	// Client calls the peers.
	Client *Client
	// Peers returns the peer addresses of the other members.
	Peers func(ctx context.Context) ([]string, error)
	// Timeout bounds one fetch of a missing blob.
	Timeout time.Duration
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
}

// NewFetchingStore returns a blob.Store over cfg.Local whose Open, when the
// blob is missing locally, fetches it from a peer that has it, stores it
// locally (the node then holds a copy and later reads are local) and opens
// that. Everything else goes to cfg.Local unchanged. Concurrent Opens of the
// same missing blob share one fetch.
//
// This is how any node serves objects whose data another node received;
// it is not replication: until blobs are written to several nodes, an
// object whose only copy is on a node that is down cannot be read.
func NewFetchingStore(cfg FetchConfig) blob.Store {
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	return &fetchingStore{Store: cfg.Local, cfg: cfg, lg: lg.With("component", "peer"), inflight: make(map[string]*fetchCall)}
}

type fetchingStore struct {
	blob.Store
	cfg FetchConfig
	lg  *slog.Logger

	mu       sync.Mutex
	inflight map[string]*fetchCall
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// Open implements blob.Store.
func (s *fetchingStore) Open(id string) (blob.Handle, error) {
	h, err := s.Store.Open(id)
	if !errors.Is(err, blob.ErrNotFound) {
		return h, err
	}
	if ferr := s.fetchOnce(id); ferr != nil {
		return nil, fmt.Errorf("%w (and from peers: %w)", err, ferr)
	}
	return s.Store.Open(id)
}

// fetchOnce fetches id, sharing the work with concurrent callers.
func (s *fetchingStore) fetchOnce(id string) error {
	s.mu.Lock()
	if c, ok := s.inflight[id]; ok {
		s.mu.Unlock()
		<-c.done
		return c.err
	}
	c := &fetchCall{done: make(chan struct{})}
	s.inflight[id] = c
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	c.err = s.fetch(ctx, id)
	cancel()
	s.mu.Lock()
	delete(s.inflight, id)
	s.mu.Unlock()
	close(c.done)
	return c.err
}

// fetch tries the peers in random order until one copy is stored.
func (s *fetchingStore) fetch(ctx context.Context, id string) error {
	peers, err := s.cfg.Peers(ctx)
	if err != nil {
		return err
	}
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
	var errs []error
	for _, addr := range peers {
		err := s.fetchFrom(ctx, addr, id)
		if err == nil {
			s.lg.Info("Fetched a blob from a peer", "blob", id, "peer", addr)
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return fmt.Errorf("%w %s: %w", ErrNoCopy, id, errors.Join(errs...))
}

func (s *fetchingStore) fetchFrom(ctx context.Context, addr, id string) error {
	resp, err := s.cfg.Client.Do(ctx, http.MethodGet, addr, pathBlobs+id, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %s", resp.Status)
	}
	crc, err := strconv.ParseUint(resp.Header.Get(headerBlobCRC64), 10, 64)
	if err != nil {
		return fmt.Errorf("bad %s header", headerBlobCRC64)
	}
	md5, err := hex.DecodeString(resp.Header.Get(headerBlobMD5))
	if err != nil || len(md5) != 16 {
		return fmt.Errorf("bad %s header", headerBlobMD5)
	}
	info, err := s.Store.Create(ctx, id, resp.Body, blob.CreateOptions{Size: resp.ContentLength, MD5: md5})
	if err != nil {
		return err
	}
	if info.CRC64 != crc {
		// The MD5 matched, so this cannot happen short of a bug; do not
		// keep a blob we cannot vouch for.
		s.Store.Delete(id)
		return fmt.Errorf("stored copy has CRC-64 %d, peer said %d", info.CRC64, crc)
	}
	return nil
}
