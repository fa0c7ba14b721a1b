// Command pcapai-mcp is the pcapai MCP server: packet capture analysis for
// AI assistants, over stdio (default) or Streamable HTTP (--http).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/pcapai/pcapai"
	mcp "github.com/pcapai/pcapai/adapters/mcp"
)

type list []string

func (l *list) String() string { return strings.Join(*l, ",") }
func (l *list) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	v, err := strconv.ParseInt(env(name, ""), 10, 64)
	if err != nil {
		return def
	}
	return v
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(env(name, "false"))
	return b
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == os.PathListSeparator }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("pcapai-mcp: ")
	var roots, origins list
	var (
		httpAddr    = flag.String("http", env("PCAPAI_HTTP", ""), "serve Streamable HTTP at ADDR/mcp instead of stdio (a bare port binds 127.0.0.1) [PCAPAI_HTTP]")
		token       = flag.String("token", env("PCAPAI_TOKEN", ""), "bearer token required on HTTP [PCAPAI_TOKEN]")
		modules     = flag.String("modules", env("PCAPAI_MODULES", ""), "analyzers to run, comma-separated (default all: "+strings.Join(pcapai.ModuleNames(), ",")+") [PCAPAI_MODULES]")
		maxPackets  = flag.Int64("max-packets", envInt("PCAPAI_MAX_PACKETS", 0), "stop each analysis after N packets, 0: no limit [PCAPAI_MAX_PACKETS]")
		maxFlows    = flag.Int64("max-flows", envInt("PCAPAI_MAX_FLOWS", 0), "flow table cap, 0: library default [PCAPAI_MAX_FLOWS]")
		cacheSize   = flag.Int64("cache-size", envInt("PCAPAI_CACHE_SIZE", 8), "Reports kept in memory [PCAPAI_CACHE_SIZE]")
		maxAnswer   = flag.Int64("max-answer-bytes", envInt("PCAPAI_MAX_ANSWER_BYTES", 48<<10), "size budget of one answer's JSON [PCAPAI_MAX_ANSWER_BYTES]")
		reveal      = flag.Bool("reveal-secrets", envBool("PCAPAI_REVEAL_SECRETS"), "show cleartext credentials unmasked [PCAPAI_REVEAL_SECRETS]")
		summaryOnly = flag.Bool("summary-only", envBool("PCAPAI_SUMMARY_ONLY"), "text content is the summary only (JSON only in structuredContent) [PCAPAI_SUMMARY_ONLY]")
		allowURL    = flag.Bool("allow-url", envBool("PCAPAI_ALLOW_URL"), "accept http(s) URLs as path, downloaded with a cap [PCAPAI_ALLOW_URL]")
		allowPriv   = flag.Bool("allow-private-url", envBool("PCAPAI_ALLOW_PRIVATE_URL"), "allow downloads from private and loopback addresses [PCAPAI_ALLOW_PRIVATE_URL]")
		maxURL      = flag.Int64("max-url-bytes", envInt("PCAPAI_MAX_URL_BYTES", 256<<20), "download size cap [PCAPAI_MAX_URL_BYTES]")
		outDir      = flag.String("out", env("PCAPAI_OUT", ""), "folder carve_pcap writes new pcapng files to (default: pcapai-carved under the first root) [PCAPAI_OUT]")
		version     = flag.Bool("version", false, "print the version and exit")
	)
	flag.Var(&roots, "root", "folder whose captures may be read; repeatable (default: the working directory) [PCAPAI_ROOTS, "+string(os.PathListSeparator)+" or , separated]")
	flag.Var(&origins, "allow-origin", "HTTP Origin accepted besides loopback ones; repeatable, * for any [PCAPAI_ALLOW_ORIGINS]")
	flag.Parse()
	if *version {
		fmt.Println("pcapai-mcp", pcapai.Version)
		return
	}
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q; see -h", flag.Args())
	}
	if len(roots) == 0 {
		roots = splitList(env("PCAPAI_ROOTS", ""))
	}
	if len(origins) == 0 {
		origins = splitList(env("PCAPAI_ALLOW_ORIGINS", ""))
	}
	s, err := mcp.New(mcp.Config{
		Roots: roots, Modules: splitList(*modules), MaxPackets: uint64(max(*maxPackets, 0)), MaxFlows: int(*maxFlows),
		CacheSize: int(*cacheSize), RevealSecrets: *reveal, MaxAnswerBytes: int(*maxAnswer), SummaryOnly: *summaryOnly,
		AllowURL: *allowURL, AllowPrivateURL: *allowPriv, MaxURLBytes: *maxURL, OutDir: *outDir,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *httpAddr == "" {
		if err := server.NewStdioServer(s.MCP()).Listen(ctx, os.Stdin, os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
			log.Fatal(err)
		}
		return
	}
	addr := *httpAddr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort("127.0.0.1", strings.TrimPrefix(addr, ":"))
	} else if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() && *token == "" {
		log.Printf("warning: listening on %s without a token: anyone who can reach it can read the captures under the roots; set --token", ap)
	}
	hs := &http.Server{Handler: s.HTTPHandler(mcp.HTTPConfig{Token: *token, AllowedOrigins: origins}), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("serving Streamable HTTP at http://%s/mcp (roots %s)", ln.Addr(), strings.Join(roots, ", "))
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
