// Cluster-wide names (src/cluster/names.h, docs/cluster.md §7) on a real nats-server with
// JetStream (127.0.0.1, a free port, a temporary store). Skipped without nats-server.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cluster/names.h"

namespace wirt::cluster {
namespace {

namespace fs = std::filesystem;

int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

std::string find_nats_server() {
  for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

class ClusterNames : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string server = find_nats_server();
    if (server.empty()) GTEST_SKIP() << "nats-server is not installed (scripts/bootstrap installs it)";
    dir_ = fs::temp_directory_path() / fmt::format("wirt-names-{}", getpid());
    fs::create_directories(dir_);
    port_ = free_port();
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_), store = (dir_ / "js").string(), log = (dir_ / "nats.log").string();
      execl(server.c_str(), server.c_str(), "-a", "127.0.0.1", "-p", port.c_str(), "-js", "-sd", store.c_str(), "-l",
            log.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // wait until it accepts
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port_));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(s);
      if (ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "nats-server did not start";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::shared_ptr<Node> join(const std::string& name) {
    Config c;
    c.servers = {fmt::format("nats://127.0.0.1:{}", port_)};
    c.node = name;
    c.heartbeat = std::chrono::milliseconds(200);
    auto n = Node::join(c);
    EXPECT_TRUE(n) << (n ? "" : n.error().message());
    EXPECT_TRUE((*n)->wait_connected(std::chrono::seconds(3)));
    return *n;
  }

  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(ClusterNames, KeysAreInjectiveAndValidForTheBucket) {
  EXPECT_EQ(Names::key_of("worker-1_a"), "worker-1_a");
  EXPECT_EQ(Names::key_of("a.b"), "a=2Eb");
  EXPECT_EQ(Names::key_of("a=2Eb"), "a=3D2Eb");
  EXPECT_EQ(Names::key_of("x y*>"), "x=20y=2A=3E");
}

TEST_F(ClusterNames, TwoNodesCannotBothHoldAName) {
  auto n1 = join("n1"), n2 = join("n2");
  auto names1 = Names::start(n1), names2 = Names::start(n2);
  ASSERT_TRUE(names1->register_name("svc.main", "{n1@h|1}"));
  auto again = names2->register_name("svc.main", "{n2@h|1}");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), core::ErrorKind::AlreadyExists);
  EXPECT_NE(again.error().message().find("held by {n1@h|1} on node n1"), std::string::npos) << again.error().message();
  auto h = names2->lookup("svc.main");
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->pid, "{n1@h|1}");
  EXPECT_EQ(h->node, "n1");
  // Only the holder releases; then the other node can take it.
  EXPECT_EQ(names2->release("svc.main", "{n2@h|1}").error().kind(), core::ErrorKind::NotFound);
  ASSERT_TRUE(names1->release("svc.main", "{n1@h|1}"));
  EXPECT_EQ(names2->lookup("svc.main").error().kind(), core::ErrorKind::NotFound);
  ASSERT_TRUE(names2->register_name("svc.main", "{n2@h|1}"));
  EXPECT_EQ(names1->lookup("svc.main")->node, "n2");
  n1->leave();
  n2->leave();
}

TEST_F(ClusterNames, ARaceForOneNameHasExactlyOneWinner) {
  auto n1 = join("r1"), n2 = join("r2");
  auto names1 = Names::start(n1), names2 = Names::start(n2);
  for (int round = 0; round < 3; ++round) {
    std::string name = fmt::format("race{}", round);
    std::atomic<int> won{0}, lost{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i) {
      ts.emplace_back([&, i] {
        Names& n = i % 2 ? *names1 : *names2;
        auto st = n.register_name(name, fmt::format("{{{}@h|{}}}", i % 2 ? "r1" : "r2", i));
        if (st) ++won;
        else if (st.error().kind() == core::ErrorKind::AlreadyExists) ++lost;
      });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(won.load(), 1) << name;
    EXPECT_EQ(lost.load(), 7) << name;
  }
  n1->leave();
  n2->leave();
}

TEST_F(ClusterNames, ALostNodesNamesAreReleasedBySurvivors) {
  auto survivor = join("s1"), doomed = join("d1");
  auto names_s = Names::start(survivor), names_d = Names::start(doomed);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // s1 hears d1's beats
  ASSERT_TRUE(names_d->register_name("doomed.a", "{d1@h|1}"));
  ASSERT_TRUE(names_d->register_name("doomed.b", "{d1@h|2}"));
  ASSERT_TRUE(names_s->register_name("kept", "{s1@h|1}"));
  doomed->leave();  // peers act on the leave at once (a silent loss takes 3 heartbeats)
  bool released = false;
  for (int i = 0; i < 100 && !released; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto a = names_s->lookup("doomed.a"), b = names_s->lookup("doomed.b");
    released = !a && !b && a.error().kind() == core::ErrorKind::NotFound && b.error().kind() == core::ErrorKind::NotFound;
  }
  EXPECT_TRUE(released) << "the lost node's names were released";
  EXPECT_TRUE(names_s->lookup("kept")) << "the survivor's own name stays";
  ASSERT_TRUE(names_s->register_name("doomed.a", "{s1@h|2}"));
  survivor->leave();
}

TEST_F(ClusterNames, BadNamesAreInvalid) {
  auto n1 = join("b1");
  auto names = Names::start(n1);
  EXPECT_EQ(names->register_name("", "{b1@h|1}").error().kind(), core::ErrorKind::Invalid);
  EXPECT_EQ(names->register_name(std::string(300, 'x'), "{b1@h|1}").error().kind(), core::ErrorKind::Invalid);
  n1->leave();
}

}  // namespace
}  // namespace wirt::cluster
