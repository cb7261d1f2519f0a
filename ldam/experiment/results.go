package experiment

import (
	"fmt"

	"github.com/gomlx/compute"

	"github.com/ldamlab/ldamlab/ldam/models"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// Result is what a run writes to results.json (record.Result).
type Result = record.Result

// Engine describes a backend as results record it: its description (on the pure-Go backend
// the active SIMD kernels) and the ResNets' layout on it (nchw: Config.NCHW).
func Engine(b compute.Backend, nchw bool) string {
	return fmt.Sprintf("%s; ResNets %s", b.Description(), models.LayoutName(b, nchw))
}
