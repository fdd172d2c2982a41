package bench

import "time"

func corsSeconds(s int) time.Duration { return time.Duration(s) * time.Second }
