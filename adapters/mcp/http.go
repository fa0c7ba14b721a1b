package mcp

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/server"
)

// HTTPConfig configures the Streamable HTTP transport.
type HTTPConfig struct {
	// Token, when set, is the bearer token every request must carry.
	Token string
	// AllowedOrigins are origins accepted besides loopback ones
	// ("https://app.example.com"); "*" accepts any.
	AllowedOrigins []string
}

// HTTPHandler serves the MCP endpoint at /mcp with Streamable HTTP,
// refusing requests whose Origin is not loopback (or allowed) and, with a
// token, requests without it.
func (s *Server) HTTPHandler(c HTTPConfig) http.Handler {
	h := server.NewStreamableHTTPServer(s.mcp, server.WithEndpointPath("/mcp"))
	mux := http.NewServeMux()
	mux.Handle("/mcp", guard(c, h))
	return mux
}

func guard(c HTTPConfig, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !originAllowed(o, c.AllowedOrigins) {
			http.Error(w, "Forbidden: origin "+o+" is not allowed (restart with --allow-origin)", http.StatusForbidden)
			return
		}
		if c.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(c.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="pcapai-mcp"`)
				http.Error(w, "Unauthorized: pass the bearer token (--token / PCAPAI_TOKEN)", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func originAllowed(origin string, allowed []string) bool {
	if slices.Contains(allowed, "*") || slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
