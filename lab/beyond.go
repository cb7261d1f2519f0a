package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Beyond the paper (10-beyond-ldam.ipynb): the second stages of ldam/stage2 applied to finished
// cross-entropy runs, and their tables.

// CommittedSecondStages applies analysis.SecondStages to the finished runs of one cell of a table
// committed under results/<preset>/ (as Committed finds them), for each of the seeds that has
// one; seeds not run yet are left out.
func CommittedSecondStages(preset, table, method, column string, seeds []uint64, lambda float64) ([]analysis.SeedStages, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cell, err := registry.Cell(table, method, column)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, seed := range seeds {
		dir := cell.Dir(root, preset, seed)
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if errors.Is(err, os.ErrNotExist) || err == nil && !r.Done {
			continue
		}
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("lab: no finished %s run of %s %s in results/%s for seeds %v; train them with ldam sweep --table %s --preset %s --methods %s", method, table, column, preset, seeds, table, preset, method)
	}
	return analysis.SecondStagesOfRuns(dirs, lambda)
}
