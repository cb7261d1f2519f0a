package datasets

import "time"

var fileTime = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
