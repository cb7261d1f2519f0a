package datasets

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

func TestDownloadResumesAndVerifies(t *testing.T) {
	body := []byte(strings.Repeat("ldam-drw ", 1000))
	sum := md5.Sum(body)
	var ranges []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ranges = append(ranges, r.Header.Get("Range"))
		http.ServeContent(w, r, "f", fileTime, strings.NewReader(string(body)))
	}))
	defer srv.Close()
	dir := t.TempDir()
	f := fetch.File{Name: "f.bin", URL: srv.URL + "/f.bin", MD5: hex.EncodeToString(sum[:])}
	// An interrupted earlier download left the first 1234 bytes.
	os.WriteFile(filepath.Join(dir, "f.bin.part"), body[:1234], 0o644)
	p, err := (fetch.Client{}).Ensure(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != string(body) {
		t.Fatal("downloaded file differs")
	}
	if len(ranges) != 1 || ranges[0] != "bytes=1234-" {
		t.Errorf("requests with ranges %q, want one resuming at 1234", ranges)
	}
	if _, err := os.Stat(p + ".part"); err == nil {
		t.Error("partial file left behind")
	}
	// A wrong checksum is refused and nothing is put in place.
	f2 := fetch.File{Name: "g.bin", URL: srv.URL + "/g.bin", MD5: strings.Repeat("0", 32)}
	if _, err := (fetch.Client{}).Ensure(dir, f2); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("wrong checksum: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "g.bin")); err == nil {
		t.Error("a file with a wrong checksum was put in place")
	}
	// Without network the error names the file, the address and where to put it.
	f3 := fetch.File{Name: "h.bin", URL: "http://127.0.0.1:1/h.bin", MD5: f.MD5}
	_, err = (fetch.Client{}).Ensure(dir, f3)
	if err == nil || !strings.Contains(err.Error(), "h.bin") || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), filepath.Join(dir, "h.bin")) {
		t.Errorf("offline error %v", err)
	}
}
