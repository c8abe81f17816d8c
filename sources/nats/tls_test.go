package nats_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A connection's tls: key (config.TLS) is the client side of mutual TLS:
// with the CA and the client certificate it connects; without the client
// certificate the server refuses it; trusting another CA fails as TLS.
func TestTLS(t *testing.T) {
	serverCfg, files := testbroker.TLS(t, true)
	dir := t.TempDir()
	cert := serverCfg.Certificates[0]
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	var certPEM []byte
	for _, der := range cert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	url := startServer(t, "--tls", "--tlscert", certFile, "--tlskey", keyFile, "--tlsverify", "--tlscacert", files.CA, "-js", "-sd", t.TempDir())

	open := func(tlsYAML string) error {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte("url: "+url+"\ntls:\n"+tlsYAML), &n); err != nil {
			t.Fatal(err)
		}
		spec, err := mqnats.Driver().FromConfig("tls", n.Content[0])
		if err != nil {
			t.Fatal(err)
		}
		conn, err := spec.Open(ctxT(t), sources.OpenEnv{Name: "tls"})
		if err == nil {
			_ = conn.Close()
		}
		return err
	}
	if err := open("  ca: " + files.CA + "\n  cert: " + files.ClientCert + "\n  key: " + files.ClientKey + "\n"); err != nil {
		t.Fatalf("mutual TLS: %v", err)
	}
	if err := open("  ca: " + files.CA + "\n"); err == nil {
		t.Fatal("a client without a certificate connected to a server that demands one")
	}
	_, other := testbroker.TLS(t, false)
	if err := open("  ca: " + other.CA + "\n  cert: " + files.ClientCert + "\n  key: " + files.ClientKey + "\n"); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("trusting another CA: %v", err)
	}
}
