package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// DerivedFile is a run directory's store of measurements derived from its checkpoints: second
// stages refitted on its features, a probe of its first stage, its margins. Each costs a pass
// of the network over a data set, so a notebook reads them from here, committed with the run,
// instead of recomputing them at every execution.
const DerivedFile = "derived.json"

// derived is one measurement in a DerivedFile, with what it was computed from.
type derived struct {
	// Checkpoint is the file of the run directory the value was computed from, SHA256 its
	// content's hash then: a retrained or replaced checkpoint invalidates the value.
	Checkpoint string `json:"checkpoint"`
	SHA256     string `json:"sha256"`
	// Params is what else the value depends on (the caller's parameters and the version of the
	// computation).
	Params json.RawMessage `json:"params"`
	Value  json.RawMessage `json:"value"`
}

// Derive returns the measurement `name` of the run in dir: read from dir's DerivedFile when it
// was computed from the same content of the checkpoint file (a name in dir, e.g.
// [CheckpointFile]) with the same params, else computed by compute and stored there
// (atomically) for the next call. params must encode to JSON and hold what the value depends on
// besides the checkpoint, including a version of the computation to raise when it changes.
// Values round-trip exactly (encoding/json writes the shortest float64 that reads back the
// same). A store that cannot be written (a read-only checkout) does not fail the call: the
// value is returned all the same; an unreadable store is recomputed and rewritten.
func Derive[T any](dir, name, checkpoint string, params any, compute func() (T, error)) (T, error) {
	var zero T
	sum, err := fileSHA256(filepath.Join(dir, checkpoint))
	if err != nil {
		return zero, fmt.Errorf("record: %s of %s: %w", name, dir, err)
	}
	p, err := json.Marshal(params)
	if err != nil {
		return zero, fmt.Errorf("record: the parameters of %s: %w", name, err)
	}
	file := filepath.Join(dir, DerivedFile)
	store := map[string]derived{}
	if b, err := os.ReadFile(file); err == nil {
		if json.Unmarshal(b, &store) != nil {
			store = map[string]derived{}
		}
	}
	if d, ok := store[name]; ok && d.Checkpoint == checkpoint && d.SHA256 == sum && bytes.Equal(compact(d.Params), p) {
		var v T
		if err := json.Unmarshal(d.Value, &v); err == nil {
			return v, nil
		}
	}
	v, err := compute()
	if err != nil {
		return zero, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("record: storing %s: %w", name, err)
	}
	store[name] = derived{Checkpoint: checkpoint, SHA256: sum, Params: p, Value: b}
	_ = WriteJSON(file, store) // a cache: a read-only directory only means recomputing next time
	return v, nil
}

// compact is b without insignificant white space (the store is written indented).
func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// fileSHA256 is the hex SHA-256 of a file's content.
func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
