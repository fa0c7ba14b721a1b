// Command tls prints the TLS and QUIC sessions of captures (SNI, version,
// cipher, JA3/JA4, certificate status) and the certificate chains with
// their issues.
//
//	go run ./examples/tls testdata/tls_expired_cert.pcap
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tls FILE...")
		os.Exit(2)
	}
	status := 0
	for _, path := range os.Args[1:] {
		if err := show(path); err != nil {
			fmt.Fprintln(os.Stderr, "tls:", err)
			status = 1
		}
	}
	os.Exit(status)
}

func show(path string) error {
	r, err := pcapai.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModTLS}})
	if err != nil {
		return err
	}
	t := rep.TLS
	fmt.Printf("%s: %d ClientHellos, %d ServerHellos, %d sessions\n", path, t.ClientHellos, t.ServerHellos, len(t.Sessions))
	for _, s := range t.Sessions {
		fmt.Printf("  %s %s → %s sni=%q %s %s\n", s.Transport, s.Client, s.Server, s.SNI, s.Version, s.Cipher)
		fmt.Printf("    ja3=%s ja3s=%s ja4=%s certificates=%s completed=%v\n", s.JA3, s.JA3S, s.JA4, s.CertificateStatus, s.Completed)
		for _, a := range s.Alerts {
			fmt.Printf("    alert frame %d from %s: %s %s\n", a.Frame, a.From, a.Level, a.Description)
		}
	}
	for _, c := range t.Chains {
		fmt.Printf("  chain %s (%d sessions)\n", c.ID, len(c.Sessions))
		for _, cert := range c.Certificates {
			fmt.Printf("    [%d] %s\n        issuer %s, %s..%s, %s %d, sans %s\n", cert.Position, cert.Subject, cert.Issuer,
				cert.NotBefore.Format("2006-01-02"), cert.NotAfter.Format("2006-01-02"), cert.KeyType, cert.KeyBits, strings.Join(cert.SANs, " "))
		}
		for _, is := range c.Issues {
			fmt.Printf("    ! %s: %s\n", is.Kind, is.Detail)
		}
	}
	for _, f := range rep.Findings {
		fmt.Printf("  finding %s [%s]: %s (frames %v)\n", f.Kind, f.Severity, f.Summary, f.Evidence.Frames)
	}
	return nil
}
