package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ID is the /id answer.
type ID struct {
	Name   string `json:"name"`
	Token  string `json:"token,omitempty"`
	Starts int    `json:"starts,omitempty"`
}

// PeerResult is one entry of the /peers answer.
type PeerResult struct {
	Name  string `json:"name,omitempty"`
	Error string `json:"error,omitempty"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on (the pod IP)")
	data := flag.String("data", "", "data directory (optional)")
	peers := flag.String("peers", "", "comma-separated host:port of the peers")
	name := flag.String("name", "", "name reported by /id (default: hostname)")
	flag.Parse()
	if *name == "" {
		*name, _ = os.Hostname()
	}
	id := ID{Name: *name}
	if *data != "" {
		var err error
		if id.Token, id.Starts, err = loadIdentity(*data); err != nil {
			log.Fatal(err)
		}
	}
	client := &http.Client{Timeout: 3 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "failing on purpose", http.StatusInternalServerError)
	})
	mux.HandleFunc("/id", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, id) })
	mux.HandleFunc("/peers", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]PeerResult{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, p := range strings.Split(*peers, ",") {
			if p == "" {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var res PeerResult
				var got ID
				if err := getJSON(r.Context(), client, "http://"+p+"/id", &got); err != nil {
					res.Error = err.Error()
				} else {
					res.Name = got.Name
				}
				mu.Lock()
				out[p] = res
				mu.Unlock()
			}()
		}
		wg.Wait()
		writeJSON(w, out)
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/fetch", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, r.URL.Query().Get("url"), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		user, err := whoami(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, user)
	})
	log.Printf("peerserver %s listening on %s (peers %q)", id.Name, *listen, *peers)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// In a container the server is PID 1, which gets no default signal
	// handling: without this, SIGTERM would be ignored until SIGKILL.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Printf("peerserver %s stopped", id.Name)
}

// loadIdentity reads (or creates on the first start) the token in dir and
// counts starts, so a test can tell that a re-created pod got its old
// volume back.
func loadIdentity(dir string) (token string, starts int, err error) {
	tokenPath := filepath.Join(dir, "token")
	b, err := os.ReadFile(tokenPath)
	switch {
	case err == nil:
		token = strings.TrimSpace(string(b))
	case errors.Is(err, fs.ErrNotExist):
		buf := make([]byte, 8)
		_, _ = rand.Read(buf)
		token = hex.EncodeToString(buf)
		if err := os.WriteFile(tokenPath, []byte(token+"\n"), 0o644); err != nil {
			return "", 0, err
		}
	default:
		return "", 0, err
	}
	startsPath := filepath.Join(dir, "starts")
	if b, err := os.ReadFile(startsPath); err == nil {
		starts, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	starts++
	return token, starts, os.WriteFile(startsPath, []byte(strconv.Itoa(starts)+"\n"), 0o644)
}

func whoami(ctx context.Context) (string, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return "", err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return r.Status.UserInfo.Username, nil
}

func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
