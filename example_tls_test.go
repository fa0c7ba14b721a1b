package pcapai_test

import (
	"context"
	"fmt"

	"github.com/pcapai/pcapai"
)

// ExampleTLSChains lists the certificate chains of a capture recorded by
// testdata/record/tls_record.sh, where the server's leaf expired in 2021.
func ExampleTLSChains() {
	r, err := pcapai.Open("testdata/tls_expired_cert.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	chains, err := pcapai.TLSChains(context.Background(), r, pcapai.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range chains {
		for _, s := range c.Sessions {
			fmt.Printf("%s presented to %s (SNI %s):\n", s.Server, s.Client.Addr(), s.SNI)
		}
		for _, cert := range c.Certificates {
			fmt.Printf("  [%d] %s, issuer %s, until %s\n", cert.Position, cert.Subject, cert.Issuer, cert.NotAfter.Format("2006-01-02"))
		}
		for _, is := range c.Issues {
			fmt.Printf("  issue: %s at position %d\n", is.Kind, is.Position)
		}
	}
	// Output:
	// 10.99.0.1:4433 presented to 10.99.0.2 (SNI server.test):
	//   [0] CN=server.test, issuer CN=pcapai Test Intermediate CA, until 2021-01-01
	//   [1] CN=pcapai Test Intermediate CA, issuer CN=pcapai Test Root CA, until 2031-11-23
	//   issue: expired at position 0
}
