package fetch

import (
	"archive/zip"
	"fmt"
	"strings"
)

// WalkZipFile calls fn for every regular file of a zip archive, with the same checks as
// [WalkTar]: unsafe names, symbolic links and members over maxSize are refused.
func WalkZipFile(file string, maxSize int64, fn func(e Entry) error) error {
	if maxSize <= 0 {
		maxSize = MaxEntrySize
	}
	zr, err := zip.OpenReader(file)
	if err != nil {
		return fmt.Errorf("%s: corrupt or truncated zip archive: %w", file, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name, err := CleanName(f.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if !f.Mode().IsRegular() {
			return fmt.Errorf("%s: %w: member %q is a link or special file", file, ErrUnsafePath, f.Name)
		}
		if f.UncompressedSize64 > uint64(maxSize) {
			return fmt.Errorf("%s: member %q has size %d, over the %d-byte limit", file, name, f.UncompressedSize64, maxSize)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: member %q: %w", file, name, err)
		}
		err = fn(Entry{Name: name, Size: int64(f.UncompressedSize64), R: rc})
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	return nil
}

// WalkArchive walks a .zip with [WalkZipFile] and anything else as a tar(.gz) with
// [WalkTarFile].
func WalkArchive(file string, maxSize int64, fn func(e Entry) error) error {
	if strings.HasSuffix(strings.ToLower(file), ".zip") {
		return WalkZipFile(file, maxSize, fn)
	}
	return WalkTarFile(file, maxSize, fn)
}
