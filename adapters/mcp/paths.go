package mcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// toolError is a failure the assistant can act on: its message says what
// to do, and the tool answers it with isError.
type toolError struct{ msg string }

func (e *toolError) Error() string { return e.msg }

func errorf(format string, a ...any) error { return &toolError{fmt.Sprintf(format, a...)} }

// resolveRoots makes each root absolute and real.
func resolveRoots(roots []string) ([]string, error) {
	if len(roots) == 0 {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		roots = []string{wd}
	}
	var out []string
	for _, r := range roots {
		a, err := filepath.Abs(r)
		if err != nil {
			return nil, err
		}
		real, err := filepath.EvalSymlinks(a)
		if err != nil {
			return nil, fmt.Errorf("root %s: %w", r, err)
		}
		st, err := os.Stat(real)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("root %s is not a directory", r)
		}
		out = append(out, real)
	}
	return out, nil
}

// within reports whether real lies in root (both cleaned, absolute).
func within(root, real string) bool {
	if real == root {
		return true
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolve turns a path argument into a real path inside the allowed roots:
// relative paths are taken from the first root, symlinks and .. are
// resolved before the check.
func (s *Server) resolve(p string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", errorf("path is empty: pass a capture file (pcap, pcapng, optionally gzip) under %s", s.rootsText())
	}
	if strings.ContainsRune(p, 0) {
		return "", errorf("path contains a NUL byte")
	}
	if !filepath.IsAbs(p) {
		// Relative to the first root that has it.
		rel := p
		p = filepath.Join(s.roots[0], rel)
		for _, r := range s.roots {
			if _, err := os.Lstat(filepath.Join(r, rel)); err == nil {
				p = filepath.Join(r, rel)
				break
			}
		}
	}
	p = filepath.Clean(p)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			// Do not tell whether a path outside the roots exists.
			if !s.inRoots(p) {
				return "", s.outside(p)
			}
			return "", errorf("%s does not exist: call capabilities or list the resources to see the captures under %s", p, s.rootsText())
		}
		return "", errorf("cannot read %s: %v", p, err)
	}
	if !s.inRoots(real) {
		return "", s.outside(p)
	}
	return real, nil
}

func (s *Server) inRoots(real string) bool {
	for _, r := range s.roots {
		if within(r, real) {
			return true
		}
	}
	return false
}

func (s *Server) outside(p string) error {
	return errorf("%s is outside the allowed roots (%s): pass a capture under them, or restart the server with --root", p, s.rootsText())
}

func (s *Server) rootsText() string { return strings.Join(s.roots, ", ") }

// capturePath resolves a path argument to a readable capture: a file under
// the roots, or, with --allow-url, an http(s) URL downloaded to a
// temporary file.
func (s *Server) capturePath(ctx context.Context, p string) (string, error) {
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		if !s.cfg.AllowURL {
			return "", errorf("URLs are not enabled on this server: download the capture under %s and pass its path, or restart with --allow-url", s.rootsText())
		}
		return s.download(ctx, p)
	}
	real, err := s.resolve(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", errorf("cannot read %s: %v", p, err)
	}
	if st.IsDir() {
		return "", errorf("%s is a directory: pass one capture file in it, or call analyze_corpus with dir=%q", p, p)
	}
	if !st.Mode().IsRegular() {
		return "", errorf("%s is not a regular file", p)
	}
	return real, nil
}

// download fetches url into the server's temporary folder with a size cap,
// a timeout and no connection to private or loopback addresses (unless
// allowed), and checks that it starts like a capture.
func (s *Server) download(ctx context.Context, url string) (string, error) {
	s.dlMu.Lock()
	if p, ok := s.downloads[url]; ok {
		s.dlMu.Unlock()
		return p, nil
	}
	s.dlMu.Unlock()
	allowPrivate := s.cfg.AllowPrivateURL
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			a := ap.Addr().Unmap()
			if !allowPrivate && (a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast()) {
				return fmt.Errorf("refusing to connect to %s: private or loopback address (restart with --allow-private-url to allow)", a)
			}
			return nil
		},
	}
	cl := &http.Client{
		Timeout:   s.cfg.URLTimeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil // the dialer checks every address
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", errorf("bad URL %s: %v", url, err)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return "", errorf("download failed: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", errorf("download of %s failed: HTTP %s", url, resp.Status)
	}
	if resp.ContentLength > s.cfg.MaxURLBytes {
		return "", errorf("%s is %d bytes, over the download cap of %d bytes", url, resp.ContentLength, s.cfg.MaxURLBytes)
	}
	f, err := os.CreateTemp(s.tmpDir, "download-*.pcap")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, s.cfg.MaxURLBytes+1))
	f.Close()
	if err == nil && n > s.cfg.MaxURLBytes {
		err = errorf("%s is over the download cap of %d bytes", url, s.cfg.MaxURLBytes)
	}
	if err == nil {
		err = sniffCapture(f.Name())
	}
	if err != nil {
		os.Remove(f.Name())
		var te *toolError
		if errors.As(err, &te) {
			return "", err
		}
		return "", errorf("download of %s failed: %v", url, err)
	}
	s.dlMu.Lock()
	s.downloads[url] = f.Name()
	s.dlMu.Unlock()
	return f.Name(), nil
}

// sniffCapture checks the magic number of a pcap, pcapng or gzip file.
func sniffCapture(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var b [4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return errorf("the download is not a capture (too short)")
	}
	for _, m := range [][]byte{
		{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // pcap µs
		{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // pcap ns
		{0x0a, 0x0d, 0x0d, 0x0a}, // pcapng
	} {
		if bytes.Equal(b[:], m) {
			return nil
		}
	}
	if b[0] == 0x1f && b[1] == 0x8b {
		return nil
	}
	return errorf("the download is not a pcap, pcapng or gzip file (starts with % x)", b)
}
