package main

// Server CPU per operation: what each row cost the server processes, from
// their user and system time in /proc. On a shared 2-core machine the
// client's own cost per request competes with the server's and shows in
// ops/s (the S3 rows' SDK costs several times the OSS rows' client on small
// objects); CPU per operation is the server's side alone.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// processCPU is the user plus system time the processes have used so far;
// a process that cannot be read (gone, or no /proc) counts as zero.
func processCPU(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The command name, field 2, may hold spaces: count from after it.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			continue
		}
		// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
		utime, err1 := strconv.ParseInt(fields[11], 10, 64)
		stime, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		total += time.Duration(utime+stime) * time.Second / clockTicks
	}
	return total
}

// withServerCPU runs measure and records in its result the CPU the server
// processes pids used meanwhile.
func withServerCPU(pids []int, measure func() result) result {
	before := processCPU(pids)
	r := measure()
	r.serverCPU = processCPU(pids) - before
	return r
}

// serverCPUPerOp is the server CPU one successful operation of r cost, or
// zero when not measured.
func (r result) serverCPUPerOp() time.Duration {
	if r.ops == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.ops)
}
