// /traffic (run/traffic.h): the dashboard's per Gateway, listener, route
// and backend figures from the IR and the data plane's counters.
#include "run/traffic.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dataplane/runtime.h"

namespace portico::run {
namespace {

using nlohmann::json;

TEST(Traffic, QuantilesInterpolateInsideABucketLikePrometheus) {
  dataplane::Histogram h;
  EXPECT_FALSE(histogramQuantile(0.5, h));
  // 10 requests in (0.001, 0.0025], 10 in (0.0025, 0.005].
  for (int i = 0; i < 10; ++i) h.observe(0.002);
  for (int i = 0; i < 10; ++i) h.observe(0.004);
  EXPECT_NEAR(*histogramQuantile(0.5, h), 0.0025, 1e-12);    // the 10th of 20: the first bucket's top
  EXPECT_NEAR(*histogramQuantile(0.25, h), 0.00175, 1e-12);  // half-way into the first bucket
  EXPECT_NEAR(*histogramQuantile(0.99, h), 0.00495, 1e-12);  // 19.8 of 20: near the second's top
  // Beyond the last finite bound: that bound, as histogram_quantile does.
  dataplane::Histogram slow;
  slow.observe(60);
  EXPECT_DOUBLE_EQ(*histogramQuantile(0.99, slow), dataplane::kLatencyBuckets.back());
}

TEST(Traffic, GatewaysListenersRoutesAndBackends) {
  ir::Config config;
  ir::Bind bind;
  bind.port = 8080;
  for (const char* name : {"http", "admin"}) {
    ir::Listener l;
    l.gatewayNamespace = "default";
    l.gatewayName = "gw";
    l.name = name;
    bind.listeners.push_back(l);
  }
  ir::Bind other;
  other.port = 9090;
  ir::Listener l2;
  l2.gatewayNamespace = "edge";
  l2.gatewayName = "gw2";
  l2.name = "tcp";
  l2.protocol = ir::Protocol::TCP;
  other.listeners.push_back(l2);
  other.protocol = ir::Protocol::TCP;
  config.binds = {bind, other};

  dataplane::LabelledStats s;
  s.activeConnections[dataplane::bindKey(bind)] = 3;
  s.activeConnections[dataplane::bindKey(other)] = 1;
  s.byListener["default/gw/http"] = {0, 0, 5, 0, 1, 2};
  s.byRoute["default/web"] = {0, 0, 4, 0, 0, 1};
  for (int i = 0; i < 5; ++i) s.routeTime["default/web"].observe(0.002);
  s.byBackend["default/echo:80"] = {0, 0, 4, 0, 0, 0};
  s.upstreamTime["default/echo:80"].observe(0.001);
  s.connectErrors["default/echo:80"] = 2;

  TrafficInput in;
  in.generation = 7;
  in.routeMetrics = true;
  in.config = &config;
  in.labelled = &s;
  const json doc = json::parse(trafficJson(in));
  EXPECT_EQ(doc["generation"], 7);
  EXPECT_EQ(doc["routeMetrics"], true);
  EXPECT_EQ(doc["activeConnections"], 4);
  ASSERT_EQ(doc["gateways"].size(), 2u);
  const json& gw = doc["gateways"][0];
  EXPECT_EQ(gw["namespace"], "default");
  EXPECT_EQ(gw["name"], "gw");
  EXPECT_EQ(gw["activeConnections"], 3) << "two listeners on one port: the port's connections once";
  EXPECT_EQ(gw["requests"]["total"], 8);
  EXPECT_EQ(gw["requests"]["errors"], 3);
  ASSERT_EQ(gw["listeners"].size(), 2u);
  EXPECT_EQ(gw["listeners"][0]["name"], "http");
  EXPECT_EQ(gw["listeners"][0]["port"], 8080);
  EXPECT_EQ(gw["listeners"][0]["activeConnections"], 3);
  EXPECT_EQ(gw["listeners"][0]["requests"]["byClass"]["2xx"], 5);
  EXPECT_EQ(gw["listeners"][1]["requests"]["total"], 0) << "a listener without traffic is listed";
  EXPECT_EQ(doc["gateways"][1]["activeConnections"], 1);
  EXPECT_EQ(doc["gateways"][1]["listeners"][0]["protocol"], "TCP");

  ASSERT_EQ(doc["routes"].size(), 1u);
  const json& route = doc["routes"][0];
  EXPECT_EQ(route["route"], "default/web");
  EXPECT_EQ(route["requests"]["total"], 5);
  EXPECT_EQ(route["latency"]["count"], 5);
  EXPECT_GT(route["latency"]["p50"].get<double>(), 0.001);
  EXPECT_LE(route["latency"]["p99"].get<double>(), 0.0025);

  ASSERT_EQ(doc["backends"].size(), 1u);
  EXPECT_EQ(doc["backends"][0]["connectErrors"], 2);
  EXPECT_EQ(doc["backends"][0]["upstreamLatency"]["count"], 1);
  EXPECT_EQ(doc["binds"].size(), 2u);
}

TEST(Traffic, WithoutCountersOrConfig) {
  const json doc = json::parse(trafficJson({}));
  EXPECT_EQ(doc["activeConnections"], 0);
  EXPECT_TRUE(doc["gateways"].empty());
  EXPECT_TRUE(doc["routes"].empty());
}

}  // namespace
}  // namespace portico::run
