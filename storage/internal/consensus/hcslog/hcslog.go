package hcslog

import (
	"context"
	"io"
	"log"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// adapter lets hashicorp's libraries, which log through hclog, write to an
// slog.Logger. Trace maps below slog's Debug level.
type adapter struct {
	base    *slog.Logger // without name and implied args
	lg      *slog.Logger // base with both
	name    string
	implied []any
}

var _ hclog.Logger = (*adapter)(nil)

const levelTrace = slog.LevelDebug - 4

// New returns an hclog.Logger writing to base, as subsystem name.
func New(base *slog.Logger, name string, implied ...any) hclog.Logger {
	return &adapter{base: base, lg: base.With("subsystem", name).With(implied...), name: name, implied: implied}
}

func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return levelTrace
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

func (h *adapter) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Off {
		return
	}
	h.lg.Log(context.Background(), slogLevel(level), msg, args...)
}

func (h *adapter) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *adapter) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *adapter) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *adapter) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *adapter) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *adapter) enabled(l slog.Level) bool { return h.lg.Enabled(context.Background(), l) }

func (h *adapter) IsTrace() bool { return h.enabled(levelTrace) }
func (h *adapter) IsDebug() bool { return h.enabled(slog.LevelDebug) }
func (h *adapter) IsInfo() bool  { return h.enabled(slog.LevelInfo) }
func (h *adapter) IsWarn() bool  { return h.enabled(slog.LevelWarn) }
func (h *adapter) IsError() bool { return h.enabled(slog.LevelError) }

func (h *adapter) ImpliedArgs() []any { return h.implied }

func (h *adapter) With(args ...any) hclog.Logger {
	return New(h.base, h.name, append(append([]any{}, h.implied...), args...)...)
}

func (h *adapter) Name() string { return h.name }

func (h *adapter) Named(name string) hclog.Logger {
	if h.name != "" {
		name = h.name + "." + name
	}
	return h.ResetNamed(name)
}

func (h *adapter) ResetNamed(name string) hclog.Logger {
	return New(h.base, name, h.implied...)
}

// SetLevel is ignored: the slog handler decides what is written.
func (h *adapter) SetLevel(hclog.Level) {}

func (h *adapter) GetLevel() hclog.Level {
	switch {
	case h.IsTrace():
		return hclog.Trace
	case h.IsDebug():
		return hclog.Debug
	case h.IsInfo():
		return hclog.Info
	case h.IsWarn():
		return hclog.Warn
	default:
		return hclog.Error
	}
}

func (h *adapter) StandardLogger(*hclog.StandardLoggerOptions) *log.Logger {
	return slog.NewLogLogger(h.lg.Handler(), slog.LevelInfo)
}

func (h *adapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return h.StandardLogger(nil).Writer()
}
