// The cluster configuration: `.wippy.yaml` `cluster:` and the CLI flags (src/cluster/config.h).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cluster/config.h"
#include "registry/yaml_value.h"

namespace fs = std::filesystem;
using wirt::cluster::apply_flags;
using wirt::cluster::Config;
using wirt::cluster::load_app_config;
using wirt::cluster::parse_config;

namespace {

wirt::core::Result<Config> parse(const std::string& yaml) {
  auto v = wirt::registry::parse_yaml_value(yaml, ".wippy.yaml");
  EXPECT_TRUE(v);
  return parse_config(*v->find("cluster"), "/apps/x", ".wippy.yaml");
}

}  // namespace

TEST(ClusterConfig, ReadsEveryField) {
  auto c = parse(R"(cluster:
  servers: [nats://10.0.0.5:4222, nats://10.0.0.6:4222]
  node: api-1
  name: prod
  credentials: secrets/node.creds
  tls: {ca: /etc/ca.pem, cert: c.pem, key: k.pem}
  heartbeat: 500ms
  max_message: 2MB
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->servers, (std::vector<std::string>{"nats://10.0.0.5:4222", "nats://10.0.0.6:4222"}));
  EXPECT_EQ(c->node, "api-1");
  EXPECT_EQ(c->name, "prod");
  EXPECT_EQ(c->credentials, "/apps/x/secrets/node.creds");
  EXPECT_EQ(c->tls_ca, "/etc/ca.pem");
  EXPECT_EQ(c->tls_cert, "/apps/x/c.pem");
  EXPECT_EQ(c->heartbeat, std::chrono::milliseconds(500));
  EXPECT_EQ(c->max_message, 2u << 20);
}

TEST(ClusterConfig, BadFieldsNameThemselves) {
  struct Case {
    const char* yaml;
    const char* expect;
  } cases[] = {
      {"cluster: {servers: 5}", "cluster.servers: expected a URL or a list"},
      {"cluster: {heartbeat: 1ms}", "cluster.heartbeat: expected a duration"},
      {"cluster: {max_message: 8XB}", "cluster.max_message: expected a size"},
      // regression: 999999999999GB wrapped around size_t to a small size
      {"cluster: {max_message: 999999999999GB}", "cluster.max_message: expected a size"},
      {"cluster: {max_message: 2GB}", "at most 1GB"},
      {"cluster: {tls: {ca: a, bogus: b}}", "cluster.tls.bogus: unknown field"},
      {"cluster: {tls: {cert: a}}", "cert and key go together"},
      {"cluster: {nodes: x}", "cluster.nodes: unknown field"},
      {"cluster: [1]", "cluster: expected a mapping"},
      {"cluster: {user: wirt}", "cluster.user and cluster.password go together"},
      {"cluster: {user: wirt, password: p, token: t}", "use one of user/password, token or credentials"},
      {"cluster: {token: 5}", "cluster.token: expected a non-empty string"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.yaml);
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().rfind(".wippy.yaml: ", 0), 0u) << r.error().message();
  }
}

TEST(ClusterConfig, ReadsAuthentication) {
  auto up = parse("cluster: {user: wirt, password: s3cret}");
  ASSERT_TRUE(up) << up.error().message();
  EXPECT_EQ(up->user, "wirt");
  EXPECT_EQ(up->password, "s3cret");
  auto tok = parse("cluster: {token: abc}");
  ASSERT_TRUE(tok) << tok.error().message();
  EXPECT_EQ(tok->token, "abc");
}

TEST(ClusterConfig, FlagsOverrideTheFile) {
  Config file;
  file.servers = {"nats://a:1"};
  file.node = "from-file";
  auto c = apply_flags(file, "nats://127.0.0.1:4222,nats://127.0.0.1:4223", "cli-node");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->servers.size(), 2u);
  EXPECT_EQ(c->node, "cli-node");
  // No servers anywhere: not clustered; --node alone is a mistake.
  auto none = apply_flags(Config{}, "", "");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->enabled());
  EXPECT_FALSE(apply_flags(Config{}, "", "n1"));
  // The default node name is hostname-pid, a valid token.
  auto dflt = apply_flags(Config{}, "nats://127.0.0.1:4222", "");
  ASSERT_TRUE(dflt);
  EXPECT_NE(dflt->node.find("-" + std::to_string(getpid())), std::string::npos);
  auto bad_node = apply_flags(Config{}, "nats://127.0.0.1:4222", "a.b");
  ASSERT_FALSE(bad_node);
  EXPECT_NE(bad_node.error().message().find("cluster node name \"a.b\""), std::string::npos);
  EXPECT_FALSE(apply_flags(Config{}, "http://x:1", "n"));
  EXPECT_FALSE(apply_flags(Config{}, "nats://a:1,,nats://b:2", "n"));
}

TEST(ClusterConfig, AppFileIsOptional) {
  fs::path dir = fs::temp_directory_path() / ("wirt-cluster-config-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto none = load_app_config(dir);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->enabled());
  std::ofstream(dir / ".wippy.yaml") << "cluster:\n  servers: nats://127.0.0.1:4222\n  node: n1\n";
  auto c = load_app_config(dir);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->servers, std::vector<std::string>{"nats://127.0.0.1:4222"});
  std::ofstream(dir / ".wippy.yaml") << "cluster: {servers: [}\n";
  EXPECT_FALSE(load_app_config(dir));
  fs::remove_all(dir);
}
