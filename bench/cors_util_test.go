package bench

import "time"

func secondsToDuration(s int) time.Duration { return time.Duration(s) * time.Second }
