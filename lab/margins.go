package lab

import (
	"fmt"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Section 3.2 of the paper (03-ldam-loss.ipynb): the class margins of trained networks against
// the n_j^{-1/4} that Eq. 9 asks for.

// CommittedMargins measures the margins of a committed finished run of Table 2 (its final
// checkpoint, results/<preset>/table2/…), for example the lite ERM and LDAM runs on
// CIFAR-10-LT ρ = 100. The margins are stored beside the run (record.DerivedFile) and read from
// there while its checkpoint stays the same.
func CommittedMargins(preset, method, column string, seed uint64) (*analysis.NetworkMargins, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cell, err := registry.Cell("table2", method, column)
	if err != nil {
		return nil, err
	}
	dir := cell.Dir(root, preset, seed)
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("lab: no committed %s run of %s %q: %w", preset, method, column, err)
	}
	if !r.Done {
		return nil, fmt.Errorf("lab: the committed %s run of %s %q is not finished (%d epochs); resume it with ldam sweep", preset, method, column, len(r.History))
	}
	return analysis.MarginsOfRun(method, dir)
}
