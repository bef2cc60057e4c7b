#include "hub/config/flags.h"

#include <map>

#include "gtest/gtest.h"

namespace hub {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(FlagsTest, DefaultsMatchTheReferenceServer) {
  auto parsed = ParseCommandLine({}, Env({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Config& c = parsed->config;
  EXPECT_EQ(c.sio_port, 3000);
  EXPECT_EQ(c.grpc_port, 50051);
  EXPECT_EQ(c.admin_port, 9090);
  EXPECT_EQ(c.bind, "0.0.0.0");
  EXPECT_EQ(c.ping_interval_ms, 25000u);
  EXPECT_EQ(c.ping_timeout_ms, 20000u);
  EXPECT_EQ(c.max_http_buffer_size, 1000000u);
  EXPECT_EQ(c.upgrade_timeout_ms, 10000u);
  EXPECT_EQ(c.connect_timeout_ms, 45000u);
  EXPECT_EQ(c.drain_grace_ms, 10000u);
  EXPECT_EQ(c.cors_origins, std::vector<std::string>{"*"});
  EXPECT_TRUE(c.namespaces.empty());
  EXPECT_GE(c.shards, 1);
  EXPECT_FALSE(parsed->show_help);
}

TEST(FlagsTest, BothFlagFormsAreAccepted) {
  auto parsed = ParseCommandLine({"--sio_port", "4000", "--grpc_port=4001"}, Env({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.sio_port, 4000);
  EXPECT_EQ(parsed->config.grpc_port, 4001);
}

TEST(FlagsTest, CommandLineWinsOverEnvironment) {
  auto parsed = ParseCommandLine({"--ping_interval_ms", "4321"},
                                 Env({{"HUB_PING_INTERVAL_MS", "1234"}, {"HUB_SHARDS", "3"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.ping_interval_ms, 4321u);
  EXPECT_EQ(parsed->config.shards, 3);
}

TEST(FlagsTest, BadValuesNameTheFlag) {
  auto bad_port = ParseCommandLine({"--sio_port", "abc"}, Env({}));
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.status().message().find("--sio_port"), std::string_view::npos);

  auto too_big = ParseCommandLine({"--admin_port=70000"}, Env({}));
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("--admin_port"), std::string_view::npos);

  auto bad_env = ParseCommandLine({}, Env({{"HUB_SHARDS", "-1"}}));
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("HUB_SHARDS"), std::string_view::npos);

  auto unknown = ParseCommandLine({"--no_such_flag", "1"}, Env({}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("no_such_flag"), std::string_view::npos);

  auto missing_value = ParseCommandLine({"--bind"}, Env({}));
  ASSERT_FALSE(missing_value.ok());

  auto bad_level = ParseCommandLine({"--log_level", "loud"}, Env({}));
  ASSERT_FALSE(bad_level.ok());

  auto bad_policy = ParseCommandLine({"--outbound_overflow", "maybe"}, Env({}));
  ASSERT_FALSE(bad_policy.ok());
}

TEST(FlagsTest, ListsAreSplitOnCommas) {
  auto parsed = ParseCommandLine({"--namespaces", "/, /chat ,/orders", "--cors_origins",
                                  "https://a.example,https://b.example"},
                                 Env({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.namespaces, (std::vector<std::string>{"/", "/chat", "/orders"}));
  EXPECT_EQ(parsed->config.cors_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(FlagsTest, HelpListsEveryFlagWithItsEnvironmentVariable) {
  const std::string help = HelpText();
  for (const char* flag : {"sio_port", "grpc_port", "admin_port", "bind", "shards", "ping_interval_ms",
                           "ping_timeout_ms", "max_http_buffer_size", "upgrade_timeout_ms",
                           "connect_timeout_ms", "cors_origins", "namespaces", "drain_grace_ms",
                           "log_level", "redis_url"}) {
    std::string env = "HUB_";
    for (const char* p = flag; *p; ++p) env.push_back(static_cast<char>(std::toupper(*p)));
    const size_t at = help.find(std::string("--") + flag + "  " + env);
    EXPECT_NE(at, std::string::npos) << flag;
  }
  auto parsed = ParseCommandLine({"--help"}, Env({}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->show_help);
}

}  // namespace
}  // namespace hub
