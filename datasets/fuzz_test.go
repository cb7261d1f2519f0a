package datasets

import (
	"bytes"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/ and run with every `go test`;
// `go test -fuzz=FuzzParseIDX ./datasets` explores further.

func FuzzParseCIFARBinary(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		px, labels, err := ParseCIFARBinary(data, 2, 1, 100)
		if err == nil && len(px) != len(labels)*3072 {
			t.Fatalf("%d pixels for %d labels", len(px), len(labels))
		}
	})
}

func FuzzParseIDX(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		dims, body, err := ParseIDX(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(body) {
			t.Fatalf("dims %v but %d bytes", dims, len(body))
		}
	})
}

func FuzzParseINatJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		files, labels, classes, err := ParseINatJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, y := range labels {
			if y < 0 || y >= len(classes) {
				t.Fatalf("label %d outside %d classes", y, len(classes))
			}
			if _, err := fetch.CleanName(files[i]); err != nil {
				t.Fatalf("unsafe file name %q accepted", files[i])
			}
		}
	})
}

func FuzzWalkTar(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, gz bool) {
		_ = fetch.WalkTar(bytes.NewReader(data), gz, 1<<20, func(e fetch.Entry) error {
			if _, err := fetch.CleanName(e.Name); err != nil {
				t.Fatalf("unsafe member %q passed", e.Name)
			}
			var buf bytes.Buffer
			_, err := buf.ReadFrom(e.R)
			return err
		})
	})
}
