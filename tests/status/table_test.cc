#include <gtest/gtest.h>

#include <sstream>

#include "status/sample_status.h"
#include "status/status_table.h"

namespace portico::status {
namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The line that starts with `prefix`, or "" when none does.
std::string lineStarting(const std::string& table, const std::string& prefix) {
  for (const auto& l : lines(table)) {
    if (l.rfind(prefix, 0) == 0) return l;
  }
  return {};
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(StatusTable, HeaderHasEveryColumn) {
  TableOptions unlimited;
  unlimited.width = 0;
  const auto table = renderTable(testing::sampleStatus(), unlimited);
  EXPECT_EQ(words(lines(table).at(0)),
            (std::vector<std::string>{"KIND", "NAMESPACE", "NAME", "ACCEPTED", "PROGRAMMED", "RESOLVEDREFS",
                                      "ATTACHED", "REASON"}));
}

TEST(StatusTable, ReasonHeaderFollowsTheReasonsOntoTheirOwnLine) {
  const auto all = lines(renderTable(testing::sampleStatus()));
  EXPECT_EQ(words(all.at(0)).back(), "ATTACHED");
  EXPECT_EQ(all.at(1), "    REASON");
}

TEST(StatusTable, GatewayRowSumsAttachedRoutes) {
  TableOptions opts;
  opts.width = 0;
  const auto row = words(lineStarting(renderTable(testing::sampleStatus(), opts), "Gateway "));
  ASSERT_GE(row.size(), 7u);
  EXPECT_EQ(row[1], "default");
  EXPECT_EQ(row[2], "quickstart");
  EXPECT_EQ(row[3], "True");
  EXPECT_EQ(row[4], "True");
  EXPECT_EQ(row[5], "-") << "the sample Gateway has no ResolvedRefs condition";
  EXPECT_EQ(row[6], "3");
}

TEST(StatusTable, ClusterScopedShowsDashNamespace) {
  const auto row = words(lineStarting(renderTable(testing::sampleStatus()), "GatewayClass "));
  ASSERT_GE(row.size(), 7u);
  EXPECT_EQ(row[1], "-");
  EXPECT_EQ(row[2], "portico");
  EXPECT_EQ(row[6], "-");
}

TEST(StatusTable, RouteShowsWorstAcrossParentsAndFirstFailure) {
  StatusSet set = testing::sampleStatus();
  auto& parents = std::get<RouteStatus>(set.objects[0].status).parents;
  RouteParentStatus second = parents[0];
  second.parentRef.name = "other-gw";
  second.conditions = {testing::cond("Accepted", "False", "NotAllowedByListeners", "not allowed"),
                       testing::cond("ResolvedRefs", "True", "ResolvedRefs", "")};
  parents.push_back(second);
  TableOptions opts;
  opts.width = 0;
  const auto line = lineStarting(renderTable(set, opts), "HTTPRoute ");
  const auto row = words(line);
  ASSERT_GE(row.size(), 7u);
  EXPECT_EQ(row[3], "False");
  EXPECT_EQ(row[4], "-");
  EXPECT_EQ(row[5], "False");
  EXPECT_EQ(row[6], "-");
  EXPECT_NE(line.find("[quickstart/http] ResolvedRefs=BackendNotFound: Service default/echo-v3 not found"),
            std::string::npos)
      << line;
}

TEST(StatusTable, SingleParentReasonHasNoPrefix) {
  TableOptions opts;
  opts.width = 0;
  const auto line = lineStarting(renderTable(testing::sampleStatus(), opts), "HTTPRoute ");
  EXPECT_NE(line.find("  ResolvedRefs=BackendNotFound: Service default/echo-v3 not found"), std::string::npos)
      << line;
}

TEST(StatusTable, ListenerLinesWithPortsAndConflicts) {
  TableOptions opts;
  opts.width = 0;
  opts.listenerPorts[listenerPortKey(api::Kind::Gateway, "default", "quickstart", "http")] = 8080;
  const auto table = renderTable(testing::sampleStatus(), opts);
  std::vector<std::string> listenerRows;
  for (const auto& l : lines(table)) {
    if (l.rfind("  listener", 0) == 0) listenerRows.push_back(l);
  }
  ASSERT_EQ(listenerRows.size(), 2u) << table;
  EXPECT_EQ(words(listenerRows[0]),
            (std::vector<std::string>{"listener", "http:8080", "True", "True", "True", "2"}));
  const auto other = words(listenerRows[1]);
  ASSERT_GE(other.size(), 6u);
  EXPECT_EQ(other[1], "other") << "no port known: name only";
  EXPECT_EQ(other[2], "False");
  EXPECT_EQ(other[5], "1");
  EXPECT_NE(listenerRows[1].find("Accepted=HostnameConflict"), std::string::npos) << listenerRows[1];
}

TEST(StatusTable, ConflictedShowsEvenWhenPositiveConditionsAreFine) {
  StatusSet set = testing::sampleStatus();
  auto& other = std::get<GatewayStatus>(set.objects[1].status).listeners[1];
  other.conditions[0].status = "True";
  other.conditions[1].status = "True";
  TableOptions opts;
  opts.width = 0;
  EXPECT_NE(renderTable(set, opts).find("Conflicted=HostnameConflict: hostname shared with listener http"),
            std::string::npos);
}

TEST(StatusTable, ReferenceGrantIsAllDashes) {
  const auto row = words(lineStarting(renderTable(testing::sampleStatus()), "ReferenceGrant "));
  EXPECT_EQ(row,
            (std::vector<std::string>{"ReferenceGrant", "backends", "allow-default", "-", "-", "-", "-"}));
}

// With quickstart-sized names (the sample's BackendTLSPolicy and
// allow-default alone would need 83 columns).
StatusSet quickstartSized() {
  StatusSet set = testing::sampleStatus();
  std::erase_if(set.objects, [](const ObjectStatus& o) {
    return o.kind == api::Kind::BackendTLSPolicy || o.kind == api::Kind::ReferenceGrant;
  });
  return set;
}

TEST(StatusTable, HealthyRowsFitEightyColumns) {
  StatusSet set = quickstartSized();
  std::get<RouteStatus>(set.objects[0].status).parents[0].conditions[1].status = "True";
  TableOptions opts;
  opts.listenerPorts[listenerPortKey(api::Kind::Gateway, "default", "quickstart", "http")] = 8080;
  const auto table = renderTable(set, opts);
  for (const auto& l : lines(table)) EXPECT_LE(l.size(), 80u) << l;
}

TEST(StatusTable, WideColumnsUseSingleSpaces) {
  const auto header = lines(renderTable(testing::sampleStatus())).at(0);
  EXPECT_NE(header.find("ACCEPTED PROGRAMMED RESOLVEDREFS ATTACHED"), std::string::npos) << header;
  TableOptions unlimited;
  unlimited.width = 0;
  const auto wide = lines(renderTable(testing::sampleStatus(), unlimited)).at(0);
  EXPECT_NE(wide.find("ACCEPTED  PROGRAMMED  RESOLVEDREFS  ATTACHED"), std::string::npos) << wide;
}

TEST(StatusTable, LongReasonMovesToItsOwnLineCutToWidth) {
  StatusSet set = quickstartSized();
  auto& parent = std::get<RouteStatus>(set.objects[0].status).parents[0];
  parent.conditions[1].message = std::string(200, 'x') + "\n  second line";
  const auto all = lines(renderTable(set));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_LE(all[i].size(), 80u) << all[i];
    if (all[i].rfind("HTTPRoute ", 0) == 0) {
      ASSERT_LT(i + 1, all.size());
      EXPECT_EQ(all[i + 1].rfind("    ResolvedRefs=BackendNotFound: xxx", 0), 0u) << all[i + 1];
      EXPECT_EQ(all[i + 1].substr(all[i + 1].size() - 3), "...");
    }
  }
}

TEST(StatusTable, MultiLineMessagesBecomeOneLine) {
  StatusSet set = testing::sampleStatus();
  std::get<RouteStatus>(set.objects[0].status).parents[0].conditions[1].message = "first\n  second";
  TableOptions opts;
  opts.width = 0;
  EXPECT_NE(renderTable(set, opts).find("BackendNotFound: first second\n"), std::string::npos);
}

TEST(StatusTable, EmptySetPrintsOnlyTheHeader) { EXPECT_EQ(lines(renderTable(StatusSet{})).size(), 1u); }

TEST(StatusTable, NoReasonHeaderLineWhenNothingFails) {
  StatusSet set = quickstartSized();
  std::get<RouteStatus>(set.objects[0].status).parents[0].conditions[1].status = "True";
  auto& gw = std::get<GatewayStatus>(set.objects[1].status);
  gw.listeners.pop_back();
  const auto all = lines(renderTable(set));
  EXPECT_EQ(words(all.at(0)).back(), "ATTACHED");
  EXPECT_EQ(all.at(1).rfind("GatewayClass", 0), 0u) << all.at(1);
}

TEST(StatusTable, RouteWithoutParentsSaysSo) {
  StatusSet set;
  ObjectStatus route;
  route.kind = api::Kind::HTTPRoute;
  route.namespace_ = "default";
  route.name = "orphan";
  route.status = RouteStatus{};
  set.objects.push_back(route);
  TableOptions opts;
  opts.width = 0;
  EXPECT_NE(renderTable(set, opts).find("no parent managed by this controller"), std::string::npos);
}

}  // namespace
}  // namespace portico::status
