package fetch

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is a downloadable file with its published checksum.
type File struct {
	// Name is the file name in the data directory.
	Name string
	// URL is the official address.
	URL string
	// MD5 or SHA256 (hex) is the published checksum; at least one must be set.
	MD5, SHA256 string
	// Size in bytes, if known (0 otherwise).
	Size int64
}

// Verify checks the checksum of a local file.
func (f File) Verify(file string) error {
	var h hash.Hash
	want := ""
	switch {
	case f.SHA256 != "":
		h, want = sha256.New(), strings.ToLower(f.SHA256)
	case f.MD5 != "":
		h, want = md5.New(), strings.ToLower(f.MD5)
	default:
		return fmt.Errorf("fetch: %s has no published checksum to verify against", f.Name)
	}
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := io.Copy(h, in); err != nil {
		return fmt.Errorf("fetch: reading %s: %w", file, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("fetch: %s has checksum %s, the published one is %s: the file is corrupt or not the official one; delete it and download again from %s", file, got, want, f.URL)
	}
	return nil
}

// Client downloads files; the zero value uses http.DefaultClient.
type Client struct {
	HTTP *http.Client
}

// Ensure returns the path of f in dir, downloading it if it is not there yet. A download goes to
// "<name>.part", resumes from what a previous attempt left there (HTTP Range), is verified, and
// only then renamed to its name. An existing file is verified too. Without network the error
// names the file, its address and where to put it by hand.
func (c Client) Ensure(dir string, f File) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, f.Name)
	if _, err := os.Stat(dst); err == nil {
		return dst, f.Verify(dst)
	}
	part := dst + ".part"
	if err := c.download(f, part); err != nil {
		return "", fmt.Errorf("fetch: cannot download %s from %s: %v\nwithout network, download it elsewhere and copy it to %s (or set --data_dir / LDAMLAB_DATA)", f.Name, f.URL, err, dst)
	}
	if err := f.Verify(part); err != nil {
		os.Remove(part)
		return "", err
	}
	if err := os.Rename(part, dst); err != nil {
		return "", err
	}
	return dst, nil
}

func (c Client) download(f File, part string) error {
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Hour}
	}
	out, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	have, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, f.URL, nil)
	if err != nil {
		return err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
	case resp.StatusCode == http.StatusOK:
		// The server ignored the range (or nothing was there): start over.
		if err := out.Truncate(0); err != nil {
			return err
		}
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			return err
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		return nil // already complete; Verify decides
	default:
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		return fmt.Errorf("interrupted after %d bytes (run again to resume): %w", have, err)
	}
	return out.Sync()
}
