// Leader election on a coordination.k8s.io/v1 Lease, following client-go's
// tools/leaderelection (LeaseLock): the same record fields, the same
// acquire/renew/release rules, and the same distrust of other replicas'
// clocks — a lease held by someone else is judged expired only by this
// replica's monotonic clock, counted from when it last saw the lease record
// change (client-go's observedTime), never by parsing renewTime.
#include "kube/leader.h"

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "kube/resources.h"

namespace portico::kube {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// metav1.MicroTime as the API server serialises it: RFC 3339, UTC, always
// six fractional digits ("2026-01-02T03:04:05.000000Z").
std::string microTimeNow() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros < 0 ? 0 : micros));
  return out;
}

// Lease.spec.leaseDurationSeconds is whole seconds; never 0 (that would
// make the lease expire at once for every other replica).
int64_t leaseSeconds(milliseconds d) { return std::max<int64_t>(1, (d.count() + 999) / 1000); }

int64_t intField(const json& obj, const char* key, int64_t fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string stringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class LeaseElector final : public LeaderElector {
 public:
  LeaseElector(Client& client, LeaderOptions options, std::function<void(bool)> onChange)
      : client_(client),
        options_(std::move(options)),
        onChange_(std::move(onChange)),
        collectionPath_(resourcePath(leaseResource(), options_.leaseNamespace)),
        leasePath_(resourcePath(leaseResource(), options_.leaseNamespace, options_.leaseName)),
        rng_(std::random_device{}()) {}

  ~LeaseElector() override { stop(); }

  void begin() {
    thread_ = std::thread([this] { run(); });
  }

  bool isLeader() const override {
    // Also false once the renew deadline has passed without a renewal,
    // even while the election thread is still blocked in a request: the
    // status writer must stop before another replica may take over.
    if (!leader_.load()) return false;
    const auto since = Clock::now() - Clock::time_point(Clock::duration(lastRenew_.load()));
    return since < options_.renewDeadline;
  }

  std::string holder() const override {
    std::lock_guard lock(mu_);
    return holder_;
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    // stop() from onChange (the election thread itself) cannot join; the
    // thread ends on its own right after the callback returns and the
    // destructor, called from elsewhere, joins it.
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  // false when stop() was called.
  bool waitFor(milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }

  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void setHolder(std::string h) {
    std::lock_guard lock(mu_);
    holder_ = std::move(h);
  }

  void notify(bool leader) {
    if (onChange_) onChange_(leader);
  }

  void run() {
    while (!stopping()) {
      const auto attempt = Clock::now();
      const Outcome r = tryAcquireOrRenew();
      if (r == Outcome::Held) {
        lastRenew_.store(attempt.time_since_epoch().count());
        if (!leader_.exchange(true)) notify(true);
      } else if (leader_.load()) {
        // client-go keeps retrying a failed renewal every retryPeriod until
        // renewDeadline; a lease that now names another holder is lost at
        // once (someone judged it expired, so writing status on is unsafe).
        const auto last = Clock::time_point(Clock::duration(lastRenew_.load()));
        if (r == Outcome::HeldByOther || Clock::now() - last >= options_.renewDeadline) {
          leader_.store(false);
          notify(false);
        }
      }
      if (!waitFor(leader_.load() ? options_.retryPeriod : jittered(options_.retryPeriod))) break;
    }
    if (leader_.load()) {
      // Step down first, then release: status writes stop before another
      // replica can acquire the released lease.
      leader_.store(false);
      notify(false);
      release();
    }
  }

  // Candidates wait retryPeriod plus up to 1.2 × retryPeriod (client-go's
  // JitterFactor), so replicas started together do not retry in lockstep.
  milliseconds jittered(milliseconds d) {
    std::uniform_int_distribution<int64_t> extra(0, d.count() * 12 / 10);
    return d + milliseconds(extra(rng_));
  }

  enum class Outcome { Held, HeldByOther, Failed };

  // The lease duration to judge another holder's record by. The record's
  // leaseDurationSeconds is what the holder promised; when it is exactly
  // what our own setting rounds to, the holder runs our configuration and
  // our setting is the same promise at full precision (sub-second leases
  // are only used by tests).
  milliseconds recordDuration(int64_t seconds) const {
    if (seconds <= 0 || seconds == leaseSeconds(options_.leaseDuration)) return options_.leaseDuration;
    return milliseconds(seconds * 1000);
  }

  json newSpec(const json& old, bool wasHolder) const {
    json spec = old.is_object() ? old : json::object();  // keeps fields we do not manage (strategy...)
    const std::string now = microTimeNow();
    spec["holderIdentity"] = options_.identity;
    spec["leaseDurationSeconds"] = leaseSeconds(options_.leaseDuration);
    spec["renewTime"] = now;
    // client-go: a renewal keeps acquireTime and leaseTransitions; taking
    // the lease over (from another holder, or a released or expired one)
    // counts a transition; a lease we create starts at 0.
    const int64_t transitions = old.is_object() ? intField(old, "leaseTransitions", 0) : 0;
    if (wasHolder && old.contains("acquireTime")) {
      spec["leaseTransitions"] = transitions;
    } else {
      spec["acquireTime"] = now;
      spec["leaseTransitions"] = old.is_object() ? transitions + 1 : 0;
    }
    return spec;
  }

  void observe(const json& lease) {
    const json spec = lease.contains("spec") ? lease["spec"] : json::object();
    const std::string key = spec.dump();
    if (key != observedSpec_) {
      observedSpec_ = key;
      observedTime_ = Clock::now();
    }
    observed_ = lease;
    setHolder(stringField(spec, "holderIdentity"));
  }

  Outcome tryAcquireOrRenew() {
    const Response got = client_.request("GET", leasePath_);
    if (got.status == 404) {
      json lease{{"apiVersion", "coordination.k8s.io/v1"},
                 {"kind", "Lease"},
                 {"metadata", {{"name", options_.leaseName}, {"namespace", options_.leaseNamespace}}},
                 {"spec", newSpec(json(), false)}};
      const Response created = client_.request("POST", collectionPath_, lease.dump());
      if (!created.ok()) return Outcome::Failed;  // 409: another replica created it first
      const json body = json::parse(created.body, nullptr, false);
      observe(body.is_object() ? body : lease);
      return Outcome::Held;
    }
    if (!got.ok()) return Outcome::Failed;
    json lease = json::parse(got.body, nullptr, false);
    if (!lease.is_object()) return Outcome::Failed;
    observe(lease);
    const json spec = lease.contains("spec") ? lease["spec"] : json::object();
    const std::string holder = stringField(spec, "holderIdentity");
    const bool mine = holder == options_.identity;
    if (!holder.empty() && !mine) {
      const auto expires = observedTime_ + recordDuration(intField(spec, "leaseDurationSeconds", 0));
      if (Clock::now() < expires) return Outcome::HeldByOther;
    }
    // Free (released: holderIdentity ""), expired, or ours: write our
    // record with the resourceVersion we read; a 409 means another replica
    // wrote first and won this round.
    lease["spec"] = newSpec(spec, mine);
    const Response put = client_.request("PUT", leasePath_, lease.dump());
    if (!put.ok()) return Outcome::Failed;
    const json body = json::parse(put.body, nullptr, false);
    observe(body.is_object() ? body : lease);
    return Outcome::Held;
  }

  // client-go's ReleaseOnCancel: holderIdentity "" and leaseDurationSeconds 1,
  // so the other replicas acquire on their next retry instead of waiting
  // for the lease to expire.
  void release() {
    json lease = observed_;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!lease.is_object() || !lease.contains("spec")) return;
      json& spec = lease["spec"];
      if (stringField(spec, "holderIdentity") != options_.identity) return;  // not ours anymore
      const std::string now = microTimeNow();
      spec["holderIdentity"] = "";
      spec["leaseDurationSeconds"] = 1;
      spec["acquireTime"] = now;
      spec["renewTime"] = now;
      const Response put = client_.request("PUT", leasePath_, lease.dump());
      if (put.ok()) {
        setHolder("");
        return;
      }
      if (put.status != 409) return;
      const Response got = client_.request("GET", leasePath_);  // stale resourceVersion: read again
      if (!got.ok()) return;
      lease = json::parse(got.body, nullptr, false);
    }
  }

  Client& client_;
  const LeaderOptions options_;
  const std::function<void(bool)> onChange_;
  const std::string collectionPath_, leasePath_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::string holder_;     // guarded by mu_
  std::atomic<bool> leader_{false};
  std::atomic<Clock::rep> lastRenew_{0};

  // Election thread only.
  json observed_;             // the lease as last read or written
  std::string observedSpec_;  // its spec, to notice changes
  Clock::time_point observedTime_{};
  std::mt19937_64 rng_;

  std::thread thread_;  // last: started after everything above is built
};

}  // namespace

std::unique_ptr<LeaderElector> LeaderElector::start(Client& client, LeaderOptions options,
                                                    std::function<void(bool leader)> onChange) {
  auto elector = std::make_unique<LeaseElector>(client, std::move(options), std::move(onChange));
  elector->begin();
  return elector;
}

}  // namespace portico::kube
