#include "status/status_table.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <tuple>
#include <vector>

namespace portico::status {
namespace {

constexpr std::string_view kNone = "-";
constexpr size_t kColumns = 7;  // every column but REASON, which is free-width
constexpr std::array<std::string_view, kColumns> kHeaders{"KIND",       "NAMESPACE",    "NAME",    "ACCEPTED",
                                                          "PROGRAMMED", "RESOLVEDREFS", "ATTACHED"};

struct Row {
  std::array<std::string, kColumns> cells;
  std::string reason;
};

// Conditions whose healthy value is False; they only appear when True.
bool isNegativeType(std::string_view type) {
  return type == "Conflicted" || type == "OverlappingTLSConfig" || type == "PartiallyInvalid";
}
bool isPositiveType(std::string_view type) {
  return type == "Accepted" || type == "Programmed" || type == "ResolvedRefs" || type == "SupportedVersion";
}

// Messages may span lines; the table needs one.
std::string oneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "Type=Reason: message" of the first condition that is not healthy.
std::string firstFailure(const std::vector<Condition>& conds) {
  for (const auto& c : conds) {
    const bool failing =
        (isPositiveType(c.type) && c.status != "True") || (isNegativeType(c.type) && c.status == "True");
    if (!failing) continue;
    std::string out = c.type + "=" + c.reason;
    if (auto msg = oneLine(c.message); !msg.empty()) out += ": " + msg;
    return out;
  }
  return {};
}

std::string value(const std::vector<Condition>& conds, std::string_view type) {
  const Condition* c = findCondition(conds, type);
  return c ? c->status : std::string(kNone);
}

int rank(std::string_view s) {
  if (s == "False") return 0;
  if (s == "Unknown") return 1;
  if (s == "True") return 3;
  return 2;  // anything else is unexpected; still worse than True
}

// Routes and policies have one entry per parent/ancestor: show the worst.
template <class Entries>
std::string worst(const Entries& entries, std::string_view type) {
  std::string out(kNone);
  for (const auto& e : entries) {
    const Condition* c = findCondition(e.conditions, type);
    if (c && (out == kNone || rank(c->status) < rank(out))) out = c->status;
  }
  return out;
}

template <class Entries, class RefOf>
std::string firstEntryFailure(const Entries& entries, RefOf refOf) {
  for (const auto& e : entries) {
    std::string failure = firstFailure(e.conditions);
    if (failure.empty()) continue;
    if (entries.size() == 1) return failure;
    const api::ParentReference& ref = refOf(e);
    std::string label = ref.name;
    if (ref.sectionName) label += "/" + *ref.sectionName;
    return "[" + label + "] " + failure;
  }
  return {};
}

Row objectRow(const ObjectStatus& o) {
  Row row;
  row.cells = {std::string(api::kindName(o.kind)),
               o.namespace_.empty() ? std::string(kNone) : o.namespace_,
               o.name,
               std::string(kNone),
               std::string(kNone),
               std::string(kNone),
               std::string(kNone)};
  auto setConds = [&](const std::vector<Condition>& conds) {
    row.cells[3] = value(conds, "Accepted");
    row.cells[4] = value(conds, "Programmed");
    row.cells[5] = value(conds, "ResolvedRefs");
    row.reason = firstFailure(conds);
  };
  auto setAttached = [&](const std::vector<ListenerStatus>& listeners) {
    int64_t sum = 0;
    for (const auto& l : listeners) sum += l.attachedRoutes;
    row.cells[6] = std::to_string(sum);
  };
  if (const auto* s = std::get_if<GatewayClassStatus>(&o.status)) {
    setConds(s->conditions);
  } else if (const auto* s = std::get_if<GatewayStatus>(&o.status)) {
    setConds(s->conditions);
    setAttached(s->listeners);
  } else if (const auto* s = std::get_if<ListenerSetStatus>(&o.status)) {
    setConds(s->conditions);
    setAttached(s->listeners);
  } else if (const auto* s = std::get_if<RouteStatus>(&o.status)) {
    row.cells[3] = worst(s->parents, "Accepted");
    row.cells[5] = worst(s->parents, "ResolvedRefs");
    row.reason = s->parents.empty()
                     ? "no parent managed by this controller"
                     : firstEntryFailure(
                           s->parents, [](const auto& p) -> const auto& { return p.parentRef; });
  } else if (const auto* s = std::get_if<PolicyStatus>(&o.status)) {
    row.cells[3] = worst(s->ancestors, "Accepted");
    row.cells[5] = worst(s->ancestors, "ResolvedRefs");
    row.reason = s->ancestors.empty()
                     ? "no ancestor managed by this controller"
                     : firstEntryFailure(
                           s->ancestors, [](const auto& a) -> const auto& { return a.ancestorRef; });
  }
  return row;
}

void addListenerRows(const ObjectStatus& o, const TableOptions& options, std::vector<Row>& rows) {
  const std::vector<ListenerStatus>* listeners = nullptr;
  if (const auto* g = std::get_if<GatewayStatus>(&o.status)) listeners = &g->listeners;
  if (const auto* s = std::get_if<ListenerSetStatus>(&o.status)) listeners = &s->listeners;
  if (!listeners) return;
  for (const auto& l : *listeners) {
    std::string name = l.name;
    auto port = options.listenerPorts.find(listenerPortKey(o.kind, o.namespace_, o.name, l.name));
    if (port != options.listenerPorts.end()) name += ":" + std::to_string(port->second);
    Row row;
    row.cells = {"  listener",
                 "",
                 std::move(name),
                 value(l.conditions, "Accepted"),
                 value(l.conditions, "Programmed"),
                 value(l.conditions, "ResolvedRefs"),
                 std::to_string(l.attachedRoutes)};
    // Conflicted is negative, so a conflict shows up here as the reason.
    row.reason = firstFailure(l.conditions);
    rows.push_back(std::move(row));
  }
}

std::string truncate(std::string s, size_t width) {
  if (s.size() <= width) return s;
  if (width <= 3) return s.substr(0, width);
  return s.substr(0, width - 3) + "...";
}

void rstrip(std::string& s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
}

}  // namespace

std::string listenerPortKey(api::Kind kind, std::string_view ns, std::string_view name,
                            std::string_view listener) {
  std::string key(api::kindName(kind));
  key.append("/").append(ns).append("/").append(name).append("/").append(listener);
  return key;
}

std::string renderTable(const StatusSet& set, const TableOptions& options) {
  std::vector<Row> rows;
  Row header;
  for (size_t i = 0; i < kColumns; ++i) header.cells[i] = std::string(kHeaders[i]);
  header.reason = "REASON";
  rows.push_back(std::move(header));

  std::vector<const ObjectStatus*> order;
  for (const auto& o : set.objects) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](const ObjectStatus* a, const ObjectStatus* b) {
    return std::tie(a->kind, a->namespace_, a->name) < std::tie(b->kind, b->namespace_, b->name);
  });
  for (const ObjectStatus* o : order) {
    rows.push_back(objectRow(*o));
    addListenerRows(*o, options, rows);
  }

  std::array<size_t, kColumns> widths{};
  for (const auto& r : rows) {
    for (size_t i = 0; i < kColumns; ++i) widths[i] = std::max(widths[i], r.cells[i].size());
  }

  const size_t limit = options.width > 0 ? static_cast<size_t>(options.width) : 0;
  // Two spaces between columns when the columns fit the width, else one:
  // the status headers alone take 38 characters.
  size_t columnsWidth = 0;
  for (size_t w : widths) columnsWidth += w;
  const size_t gap = limit == 0 || columnsWidth + 2 * kColumns <= limit ? 2 : 1;

  // A "REASON" header on a line of its own with nothing below it is noise.
  const bool anyReason =
      std::any_of(rows.begin() + 1, rows.end(), [](const Row& r) { return !r.reason.empty(); });

  std::string out;
  for (const Row& r : rows) {
    std::string line;
    for (size_t i = 0; i < kColumns; ++i) {
      line += r.cells[i];
      line.append(widths[i] - r.cells[i].size() + gap, ' ');
    }
    const bool fits = limit == 0 || line.size() + r.reason.size() <= limit;
    if (r.reason.empty() || fits) {
      line += r.reason;
      rstrip(line);
      out += line + "\n";
      continue;
    }
    // Too long for one line: the reason gets a line of its own (the header
    // too, so "REASON" sits where the reasons are).
    rstrip(line);
    out += line + "\n";
    if (&r != &rows.front() || anyReason) out += truncate("    " + r.reason, limit) + "\n";
  }
  return out;
}

}  // namespace portico::status
