package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTimes are the CPU times (user + system) of the server process and of
// this generator at one moment.
type cpuTimes struct {
	server, generator time.Duration
	split             bool // the server's pid was given
}

// clockTick is the kernel's USER_HZ, the unit of /proc/PID/stat's times
// (100 on every Linux architecture Go supports).
const clockTick = 100

// readCPU reads the server's CPU time from /proc/PID/stat (pid 0: none)
// and this process's own from getrusage.
func readCPU(pid int) (cpuTimes, error) {
	var c cpuTimes
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return c, err
	}
	c.generator = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if pid == 0 {
		return c, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return c, fmt.Errorf("server CPU time: %w", err)
	}
	ticks, err := statTicks(string(b))
	if err != nil {
		return c, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	c.server, c.split = time.Duration(ticks)*time.Second/clockTick, true
	return c, nil
}

// statTicks returns utime + stime (fields 14 and 15) of a /proc/PID/stat
// line; the command name (field 2) may hold spaces, so fields are counted
// after its closing parenthesis.
func statTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("too few fields in %q", stat)
	}
	u, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return u + s, nil
}

func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{server: c.server - o.server, generator: c.generator - o.generator, split: c.split}
}

// perRequest says the CPU time per request of the server and the
// generator.
func (c cpuTimes) perRequest(n uint64) string {
	if n == 0 {
		return "no requests"
	}
	gen := fmt.Sprintf("generator %.0f µs CPU/request (%.1f s)", float64(c.generator.Microseconds())/float64(n), c.generator.Seconds())
	if !c.split {
		return gen + "; server CPU not measured (no -server-pid)"
	}
	return fmt.Sprintf("server %.0f µs CPU/request (%.1f s), %s", float64(c.server.Microseconds())/float64(n), c.server.Seconds(), gen)
}

// loadAvg is the 1-minute load average, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
