// Leader election (issue 9) against the scripted FakeClient: create,
// renew, expiry judged by this replica's own clock, release on stop,
// stepping down when renewals fail past renewDeadline or another holder
// appears, two electors racing. Waits are bounded and event-driven (the
// fake's condition variable, the callbacks'), never sleeps.
#include "kube/leader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "kube/fake_apiserver.h"
#include "kube/fake_client.h"
#include "kube/resources.h"

namespace portico {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeClient;

const std::string kNs = "portico-system";
const std::string kLeasePath = kube::resourcePath(kube::leaseResource(), kNs, "portico-controller");

// The onChange callbacks of one elector, waitable.
class Changes {
 public:
  std::function<void(bool)> callback() {
    return [this](bool leader) {
      std::lock_guard lock(mu_);
      seen_.push_back(leader);
      cv_.notify_all();
    };
  }
  // Waits until `n` callbacks arrived; true when the last one is `leader`.
  bool waitFor(size_t n, bool leader, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; })) return false;
    return seen_[n - 1] == leader;
  }
  std::vector<bool> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> seen_;
};

kube::LeaderOptions options(const std::string& identity, std::chrono::milliseconds lease,
                            std::chrono::milliseconds renew, std::chrono::milliseconds retry) {
  kube::LeaderOptions o;
  o.leaseNamespace = kNs;
  o.identity = identity;
  o.leaseDuration = lease;
  o.renewDeadline = renew;
  o.retryPeriod = retry;
  return o;
}

json spec(const FakeClient& client) { return client.object(kLeasePath).value_or(json::object())["spec"]; }

bool isMicroTime(const json& v) {
  static const std::regex re(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$)");
  return v.is_string() && std::regex_match(v.get<std::string>(), re);
}

json heldBy(const std::string& holder, int seconds, const std::string& renewTime, int transitions) {
  return json{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", {{"name", "portico-controller"}, {"namespace", kNs}}},
              {"spec",
               {{"holderIdentity", holder},
                {"leaseDurationSeconds", seconds},
                {"acquireTime", renewTime},
                {"renewTime", renewTime},
                {"leaseTransitions", transitions}}}};
}

TEST(LeaderElection, CreatesTheLeaseAndRenewsIt) {
  FakeClient client;
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("a", 2000ms, 1500ms, 10ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));
  EXPECT_TRUE(elector->isLeader());
  EXPECT_EQ(elector->holder(), "a");
  EXPECT_EQ(client.count("POST", kube::resourcePath(kube::leaseResource(), kNs)), 1u);
  const json created = spec(client);
  EXPECT_EQ(created["holderIdentity"], "a");
  EXPECT_EQ(created["leaseDurationSeconds"], 2);
  EXPECT_EQ(created["leaseTransitions"], 0);
  EXPECT_TRUE(isMicroTime(created["acquireTime"])) << created.dump();
  EXPECT_TRUE(isMicroTime(created["renewTime"])) << created.dump();

  // Renewals: PUTs with the resourceVersion read (the fake answers 409
  // otherwise), acquireTime and leaseTransitions kept.
  ASSERT_TRUE(client.waitFor([&] { return client.count("PUT", kLeasePath) >= 3; }, 10s));
  const json renewed = spec(client);
  EXPECT_EQ(renewed["holderIdentity"], "a");
  EXPECT_EQ(renewed["acquireTime"], created["acquireTime"]);
  EXPECT_EQ(renewed["leaseTransitions"], 0);
  for (const auto& c : client.calls()) {
    if (c.method == "PUT") {
      EXPECT_EQ(c.status, 200);
    }
  }
  EXPECT_EQ(changes.seen(), std::vector<bool>{true});
}

TEST(LeaderElection, ExpiryIsJudgedByTheLocalClockNotRenewTime) {
  // Another replica's lease with a renewTime in the distant past: a
  // replica that trusted renewTime would take it at once; client-go (and
  // Portico) wait leaseDuration from when they first saw this record.
  FakeClient client;
  client.store(kLeasePath, heldBy("other", 1, "2000-01-01T00:00:00.000000Z", 5));
  Changes changes;
  const auto started = std::chrono::steady_clock::now();
  auto elector = kube::LeaderElector::start(client, options("b", 1000ms, 800ms, 10ms), changes.callback());
  ASSERT_TRUE(client.waitFor([&] { return client.count("GET", kLeasePath) >= 3; }, 10s));
  EXPECT_FALSE(elector->isLeader());
  EXPECT_EQ(elector->holder(), "other");
  EXPECT_EQ(client.count("PUT"), 0u);

  ASSERT_TRUE(changes.waitFor(1, true));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1000ms);
  const json s = spec(client);
  EXPECT_EQ(s["holderIdentity"], "b");
  EXPECT_EQ(s["leaseTransitions"], 6);  // a new holder is a transition
  EXPECT_NE(s["acquireTime"], "2000-01-01T00:00:00.000000Z");
  EXPECT_EQ(elector->holder(), "b");
}

TEST(LeaderElection, AValidLeaseIsLeftAloneWhileItsHolderRenews) {
  FakeClient client;
  client.store(kLeasePath, heldBy("other", 1, "2026-01-01T00:00:00.000000Z", 0));
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("b", 1000ms, 800ms, 10ms), changes.callback());
  // The holder renews (a new record each time) faster than the lease
  // expires: each change restarts the local expiry clock. Renew on every
  // 5th read of ours for a while, then stop renewing.
  int renewals = 0;
  for (size_t reads = 5; renewals < 10; reads += 5) {
    ASSERT_TRUE(client.waitFor([&] { return client.count("GET", kLeasePath) >= reads; }, 10s));
    ASSERT_FALSE(elector->isLeader()) << "took a lease renewed " << renewals << " times";
    client.store(kLeasePath,
                 heldBy("other", 1, "2026-01-01T00:00:0" + std::to_string(renewals) + ".000000Z", 0));
    ++renewals;
  }
  EXPECT_TRUE(changes.seen().empty());
  ASSERT_TRUE(changes.waitFor(1, true));  // it stopped renewing: expired
  EXPECT_EQ(spec(client)["leaseTransitions"], 1);
}

TEST(LeaderElection, StopReleasesTheLeaseAtOnce) {
  FakeClient client;
  Changes changes;
  // A long retry period: stop() must not wait for it (condition variable).
  auto elector =
      kube::LeaderElector::start(client, options("a", 15000ms, 10000ms, 5000ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));
  const auto t0 = std::chrono::steady_clock::now();
  elector->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
  EXPECT_EQ(changes.seen(), (std::vector<bool>{true, false}));
  EXPECT_FALSE(elector->isLeader());
  // client-go's ReleaseOnCancel record.
  const json s = spec(client);
  EXPECT_EQ(s["holderIdentity"], "");
  EXPECT_EQ(s["leaseDurationSeconds"], 1);
  EXPECT_EQ(s["leaseTransitions"], 0);
  EXPECT_TRUE(isMicroTime(s["renewTime"]));
  elector->stop();  // idempotent
}

TEST(LeaderElection, TwoElectorsOneLeaderThenTakeOverAfterStop) {
  FakeClient client;
  std::atomic<int> leaders{0}, maxLeaders{0};
  auto track = [&](Changes& c) {
    return [&, record = c.callback()](bool leader) {
      const int n = leaders += leader ? 1 : -1;
      int m = maxLeaders.load();
      while (n > m && !maxLeaders.compare_exchange_weak(m, n)) {
      }
      record(leader);
    };
  };
  Changes ca, cb;
  auto a = kube::LeaderElector::start(client, options("a", 2000ms, 1500ms, 10ms), track(ca));
  auto b = kube::LeaderElector::start(client, options("b", 2000ms, 1500ms, 10ms), track(cb));
  ASSERT_TRUE(client.waitFor([&] { return a->isLeader() || b->isLeader(); }, 10s));
  // Many renewal rounds later there is still exactly one.
  const size_t puts = client.count("PUT");
  ASSERT_TRUE(client.waitFor([&] { return client.count("PUT") >= puts + 20; }, 10s));
  EXPECT_NE(a->isLeader(), b->isLeader());
  EXPECT_EQ(maxLeaders.load(), 1);
  auto& leader = a->isLeader() ? a : b;
  auto& follower = a->isLeader() ? b : a;
  Changes& followerChanges = a->isLeader() ? cb : ca;
  const std::string winner = leader->holder();
  EXPECT_EQ(follower->holder(), winner);

  leader->stop();  // releases: the follower need not wait for expiry
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(followerChanges.waitFor(1, true));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);  // sooner than the lease duration
  EXPECT_TRUE(follower->isLeader());
  EXPECT_EQ(spec(client)["leaseTransitions"], 1);
  EXPECT_NE(spec(client)["holderIdentity"], winner);
  EXPECT_EQ(maxLeaders.load(), 1);
}

TEST(LeaderElection, StepsDownWhenRenewalsFailPastTheDeadline) {
  FakeClient client;
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("a", 400ms, 300ms, 10ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));
  std::atomic<bool> down{true};
  client.setHandler([&](const testing::FakeCall&) -> std::optional<kube::Response> {
    if (down) return kube::Response{0, {}, "connection refused"};
    return std::nullopt;
  });
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(changes.waitFor(2, false));
  // Failed renewals are retried for renewDeadline before giving up.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  EXPECT_FALSE(elector->isLeader());
  // The API server is back and the lease still names us: leader again.
  down = false;
  ASSERT_TRUE(changes.waitFor(3, true));
  EXPECT_EQ(spec(client)["holderIdentity"], "a");
}

TEST(LeaderElection, StepsDownAtOnceWhenAnotherReplicaHoldsTheLease) {
  FakeClient client;
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("a", 15000ms, 10000ms, 10ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));
  // Another replica judged our lease expired and took it.
  json lease = *client.object(kLeasePath);
  lease["spec"]["holderIdentity"] = "intruder";
  client.store(kLeasePath, lease);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(changes.waitFor(2, false));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5000ms);  // not after renewDeadline (10 s)
  EXPECT_EQ(elector->holder(), "intruder");
  elector->stop();
  EXPECT_EQ(spec(client)["holderIdentity"], "intruder");  // a follower releases nothing
}

TEST(LeaderElection, LosingTheCreateRaceIsNotAnError) {
  FakeClient client;
  // Another replica creates the lease between our GET (404) and POST.
  client.script("POST", kube::resourcePath(kube::leaseResource(), kNs),
                FakeClient::status(409, "AlreadyExists", "leases \"portico-controller\" already exists"));
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("a", 2000ms, 1500ms, 10ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));  // next round: created for real
  EXPECT_EQ(client.count("POST"), 2u);
}

TEST(LeaderElection, IsLeaderTurnsFalseAtTheDeadlineEvenWhileARequestHangs) {
  FakeClient client;
  Changes changes;
  auto elector = kube::LeaderElector::start(client, options("a", 400ms, 200ms, 10ms), changes.callback());
  ASSERT_TRUE(changes.waitFor(1, true));
  std::mutex m;
  std::condition_variable cv;
  bool hang = true;
  client.setHandler([&](const testing::FakeCall&) -> std::optional<kube::Response> {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return !hang; });
    return std::nullopt;
  });
  // The election thread is stuck in a request, so nothing happens that a
  // test could wait on: the property is about time passing, so poll it
  // (bounded), well past renewDeadline.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (elector->isLeader() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(elector->isLeader());
  {
    std::lock_guard lock(m);
    hang = false;
  }
  cv.notify_all();
  elector->stop();
}

// ------------------------------------------- against the test API server

std::unique_ptr<kube::Client> realClient(const testing::FakeApiServer& server) {
  kube::ClusterConfig c;
  c.server = server.url();
  c.caPem = server.caPem();
  c.bearerToken = server.token();
  c.origin = "test";
  return kube::Client::create(c);
}

TEST(LeaderElectionApiServer, TwoReplicasRaceOneLeadsTheOtherTakesOverAfterStop) {
  auto server = testing::FakeApiServer::start();
  ASSERT_TRUE(server);
  auto clientA = realClient(*server);
  auto clientB = realClient(*server);
  Changes ca, cb;
  auto a = kube::LeaderElector::start(*clientA, options("replica-a", 2000ms, 1500ms, 20ms), ca.callback());
  auto b = kube::LeaderElector::start(*clientB, options("replica-b", 2000ms, 1500ms, 20ms), cb.callback());
  ASSERT_TRUE(server->waitFor([&] { return a->isLeader() || b->isLeader(); }, 10s));
  const auto leaseUpdates = [&] {
    size_t n = 0;
    for (const auto& r : server->requests())
      if (r.resource == "leases" && r.verb == "update" && r.status == 200) ++n;
    return n;
  };
  const size_t start = leaseUpdates();
  ASSERT_TRUE(server->waitFor([&] { return leaseUpdates() >= start + 10; }, 10s));
  ASSERT_NE(a->isLeader(), b->isLeader());
  auto& leader = a->isLeader() ? a : b;
  auto& follower = a->isLeader() ? b : a;
  Changes& followerChanges = a->isLeader() ? cb : ca;
  const std::string leaderName = a->isLeader() ? "replica-a" : "replica-b";
  const std::string followerName = a->isLeader() ? "replica-b" : "replica-a";
  EXPECT_TRUE(followerChanges.seen().empty());
  json lease = server->get("coordination.k8s.io/v1", "Lease", kNs, "portico-controller");
  EXPECT_EQ(lease["spec"]["holderIdentity"], leaderName);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);

  leader->stop();
  ASSERT_TRUE(followerChanges.waitFor(1, true));
  EXPECT_TRUE(follower->isLeader());
  lease = server->get("coordination.k8s.io/v1", "Lease", kNs, "portico-controller");
  EXPECT_EQ(lease["spec"]["holderIdentity"], followerName);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  follower->stop();
  lease = server->get("coordination.k8s.io/v1", "Lease", kNs, "portico-controller");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");

  // Every request had Kubernetes' field names (no 422) and only the verbs
  // the RBAC grants on leases.
  for (const auto& r : server->requests()) {
    EXPECT_NE(r.status, 422) << r.method << " " << r.resource;
    EXPECT_EQ(r.resource, "leases");
    EXPECT_TRUE(r.verb == "get" || r.verb == "create" || r.verb == "update") << r.verb;
  }
}

}  // namespace
}  // namespace portico
