// Package redistest starts real Redis servers for tests, from Debian's
// packages redis-server, redis-sentinel and redis-tools: a single server,
// a Redis Cluster, or a master and replica watched by a Sentinel, each on
// 127.0.0.1 with free ports and temporary directories, for the length of
// one test.
package redistest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Server is one running redis-server (or redis-sentinel).
type Server struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string // its working directory

	cmd  *exec.Cmd
	once sync.Once
}

// Kill stops the server at once (SIGKILL), as a crash would. Later calls
// do nothing.
func (s *Server) Kill() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	})
}

// Start runs redis-server until the test ends and returns its address
// (127.0.0.1:port). Without redis-server the test is skipped, except in CI
// (CI set), where it fails.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).Addr
}

// need finds a binary or skips the test (fails it in CI).
func need(t testing.TB, name, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install %s); in CI this test fails instead", name, pkg)
		}
		t.Fatalf("%s is not installed (apt-get install %s)", name, pkg)
	}
	return bin
}

// freePort reserves a free loopback port and releases it for the server.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// StartServer runs redis-server with extra arguments (such as
// "--replicaof", "127.0.0.1", "6379") until the test ends.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := need(t, "redis-server", "redis-server")
	port := freePort(t)
	dir := t.TempDir()
	args = append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes"}, args...)
	return launch(t, bin, port, dir, args, "Ready to accept connections")
}

// launch starts a server and waits for its ready line on stdout.
func launch(t testing.TB, bin string, port int, dir string, args []string, readyLine string) *Server {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, cmd: cmd}
	t.Cleanup(s.Kill)
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), readyLine) {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start", filepath.Base(bin))
	}
	return s
}

// StartCluster runs a Redis Cluster of n masters (no replicas), created
// with redis-cli --cluster create, and returns its nodes once every node
// reports cluster_state:ok.
func StartCluster(t testing.TB, n int) []*Server {
	t.Helper()
	cli := need(t, "redis-cli", "redis-tools")
	var nodes []*Server
	create := []string{"--cluster", "create"}
	for range n {
		bus := freePort(t)
		s := StartServer(t, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		nodes = append(nodes, s)
		create = append(create, s.Addr)
	}
	create = append(create, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, create...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, s := range nodes {
		waitFor(t, 10*time.Second, func() bool {
			info, err := Do(s.Addr, "CLUSTER", "INFO")
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}, "cluster state ok on "+s.Addr)
	}
	return nodes
}

// A Sentinel is a master, one replica and one Sentinel watching them with
// a quorum of one, so that a failover takes a second or two.
type Sentinel struct {
	MasterName string
	Master     *Server // the master at start
	Replica    *Server // its replica at start
	Sentinel   *Server
}

// StartSentinel runs a master, a replica in sync with it, and a
// redis-sentinel that knows both.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin := need(t, "redis-sentinel", "redis-sentinel")
	sn := &Sentinel{MasterName: "crossorigin"}
	sn.Master = StartServer(t)
	sn.Replica = StartServer(t, "--replicaof", "127.0.0.1", strconv.Itoa(sn.Master.Port))
	waitFor(t, 10*time.Second, func() bool {
		info, err := Do(sn.Replica.Addr, "INFO", "replication")
		return err == nil && strings.Contains(info, "master_link_status:up")
	}, "replica in sync")
	port := freePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf") // Sentinel rewrites it: it must be its own
	text := fmt.Sprintf(`bind 127.0.0.1
port %d
dir %s
sentinel monitor %s 127.0.0.1 %d 1
sentinel down-after-milliseconds %[3]s 1000
sentinel failover-timeout %[3]s 5000
`, port, dir, sn.MasterName, sn.Master.Port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	sn.Sentinel = launch(t, bin, port, dir, []string{conf}, "+monitor master")
	// A failover needs the Sentinel to know the replica, which it learns
	// from the master's INFO.
	waitFor(t, 15*time.Second, func() bool {
		r, err := Do(sn.Sentinel.Addr, "SENTINEL", "REPLICAS", sn.MasterName)
		return err == nil && strings.Contains(r, strconv.Itoa(sn.Replica.Port))
	}, "sentinel sees the replica")
	return sn
}

// MasterAddr asks the Sentinel for the current master's address.
func (sn *Sentinel) MasterAddr() (string, error) {
	r, err := Do(sn.Sentinel.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sn.MasterName)
	if err != nil {
		return "", err
	}
	host, port, _ := strings.Cut(r, "\n")
	return net.JoinHostPort(host, port), nil
}

// Failover makes the Sentinel promote the replica (SENTINEL FAILOVER)
// and waits until it names the replica as master, the replica says it is
// one, and the old master has become its replica (until then the old
// master still takes writes from clients that have not moved yet).
func (sn *Sentinel) Failover(t testing.TB) {
	t.Helper()
	if _, err := Do(sn.Sentinel.Addr, "SENTINEL", "FAILOVER", sn.MasterName); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	sn.waitPromoted(t)
	waitFor(t, 15*time.Second, func() bool {
		role, err := Do(sn.Master.Addr, "ROLE")
		return err == nil && strings.HasPrefix(role, "slave")
	}, "the old master to follow the new one")
}

// KillMaster kills the master (SIGKILL, as a crash would) and waits until
// the Sentinel has promoted the replica and the replica says it is master.
func (sn *Sentinel) KillMaster(t testing.TB) {
	t.Helper()
	sn.Master.Kill()
	sn.waitPromoted(t)
}

func (sn *Sentinel) waitPromoted(t testing.TB) {
	t.Helper()
	waitFor(t, 15*time.Second, func() bool {
		addr, err := sn.MasterAddr()
		if err != nil || addr != sn.Replica.Addr {
			return false
		}
		role, err := Do(sn.Replica.Addr, "ROLE")
		return err == nil && strings.HasPrefix(role, "master")
	}, "failover to the replica")
}

// waitFor polls cond every 50 ms until it holds, or fails the test.
func waitFor(t testing.TB, limit time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Do sends one command to the server at addr and returns its reply as
// text: arrays are flattened one element per line; an error reply is an
// error. It speaks just enough RESP2 for test setup.
func Do(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("redistest: empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		var parts []string
		for range n {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("redistest: unexpected reply %q", line)
}
