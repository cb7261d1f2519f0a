package models

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
)

func shapesFloat32(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
