package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func tarball(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestMemberInstall(t *testing.T) {
	body := []byte("window.Plotly = {};")
	tgz := tarball(t, map[string][]byte{"package/package.json": []byte("{}"), "package/plotly.min.js": body})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(tgz)
	}))
	defer srv.Close()
	pkg := File{Name: "pkg.tgz", URL: srv.URL + "/pkg.tgz", SHA256: sha(tgz)}
	for _, c := range []struct {
		name    string
		m       Member
		wantErr string
	}{
		{"good", Member{Package: pkg, Path: "package/plotly.min.js", SHA256: sha(body)}, ""},
		{"member checksum", Member{Package: pkg, Path: "package/plotly.min.js", SHA256: sha([]byte("other"))}, "SHA-256"},
		{"no such member", Member{Package: pkg, Path: "package/missing.js", SHA256: sha(body)}, "no member package/missing.js"},
		{"package checksum", Member{Package: File{Name: "pkg.tgz", URL: pkg.URL, SHA256: sha(body)}, Path: "package/plotly.min.js", SHA256: sha(body)}, "checksum"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "plotly.min.js")
			installed, err := c.m.Install(Client{}, dst)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, c.wantErr)
				}
				if _, err := os.Stat(dst); err == nil {
					t.Fatal("a failed install left the file in place")
				}
				return
			}
			got, rerr := os.ReadFile(dst)
			if err != nil || !installed || rerr != nil || !bytes.Equal(got, body) {
				t.Fatalf("Install = %v, %v; file %q, %v", installed, err, got, rerr)
			}
			if _, err := os.Stat(filepath.Join(dir, "pkg.tgz")); err == nil {
				t.Error("the tarball was kept after the install")
			}
			before := hits.Load()
			if installed, err := c.m.Install(Client{}, dst); err != nil || installed || hits.Load() != before {
				t.Errorf("second Install = %v, %v with %d downloads: want nothing done", installed, err, hits.Load()-before)
			}
			os.WriteFile(dst, []byte("tampered"), 0o644)
			if _, err := c.m.Install(Client{}, dst); err == nil || !strings.Contains(err.Error(), "delete it") {
				t.Errorf("a tampered file: err = %v, want the delete-and-reinstall advice", err)
			}
		})
	}
}
