// Label and field selectors (see fake_apiserver_selectors.h).
#include "kube/fake_apiserver_selectors.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

namespace portico::testing::fakeapi {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::optional<std::vector<LabelReq>> parseLabelSelector(const std::string& s) {
  std::vector<std::string> terms;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  terms.push_back(cur);
  std::vector<LabelReq> out;
  for (auto& t : terms) {
    std::string term = trim(t);
    if (term.empty()) {
      if (terms.size() == 1) break;
      return std::nullopt;
    }
    LabelReq r;
    size_t p;
    if (term[0] == '!') {
      r = {trim(term.substr(1)), LabelReq::NotExists, {}};
    } else if ((p = term.find("!=")) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::NotEq, {trim(term.substr(p + 2))}};
    } else if ((p = term.find("==")) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::Eq, {trim(term.substr(p + 2))}};
    } else if ((p = term.find('=')) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::Eq, {trim(term.substr(p + 1))}};
    } else if (size_t open = term.find('('); open != std::string::npos) {
      size_t close = term.find(')', open);
      if (close == std::string::npos) return std::nullopt;
      std::string head = trim(term.substr(0, open));
      size_t sp = head.rfind(' ');
      if (sp == std::string::npos) return std::nullopt;
      std::string op = head.substr(sp + 1);
      r.key = trim(head.substr(0, sp));
      if (op == "in") {
        r.op = LabelReq::In;
      } else if (op == "notin") {
        r.op = LabelReq::NotIn;
      } else {
        return std::nullopt;
      }
      std::string list = term.substr(open + 1, close - open - 1);
      size_t i = 0;
      while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        r.values.push_back(trim(list.substr(i, j - i)));
        i = j + 1;
      }
    } else {
      r = {term, LabelReq::Exists, {}};
    }
    if (r.key.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

bool labelsMatch(const std::vector<LabelReq>& sel, const json& obj) {
  const json labels =
      obj.contains("metadata") ? obj["metadata"].value("labels", json::object()) : json::object();
  for (const auto& r : sel) {
    const bool has = labels.contains(r.key);
    const std::string val = has && labels[r.key].is_string() ? labels[r.key].get<std::string>() : "";
    auto in = [&] { return std::find(r.values.begin(), r.values.end(), val) != r.values.end(); };
    switch (r.op) {
      case LabelReq::Eq:
      case LabelReq::In:
        if (!has || !in()) return false;
        break;
      case LabelReq::NotEq:
      case LabelReq::NotIn:
        if (has && in()) return false;
        break;
      case LabelReq::Exists:
        if (!has) return false;
        break;
      case LabelReq::NotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::optional<std::vector<FieldReq>> parseFieldSelector(const ResourceInfo& r, const std::string& s,
                                                        std::string& error) {
  std::vector<FieldReq> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string term = trim(s.substr(i, j - i));
    i = j + 1;
    if (term.empty()) continue;
    FieldReq f;
    size_t p;
    std::string field;
    if ((p = term.find("!=")) != std::string::npos) {
      field = term.substr(0, p), f.equal = false, f.value = term.substr(p + 2);
    } else if ((p = term.find("==")) != std::string::npos) {
      field = term.substr(0, p), f.equal = true, f.value = term.substr(p + 2);
    } else if ((p = term.find('=')) != std::string::npos) {
      field = term.substr(0, p), f.equal = true, f.value = term.substr(p + 1);
    } else {
      error = "invalid selector: '" + s + "'; can't understand '" + term + "'";
      return std::nullopt;
    }
    static const std::set<std::string> kEventFields{"involvedObject.kind",
                                                    "involvedObject.namespace",
                                                    "involvedObject.name",
                                                    "involvedObject.uid",
                                                    "involvedObject.apiVersion",
                                                    "involvedObject.resourceVersion",
                                                    "involvedObject.fieldPath",
                                                    "reason",
                                                    "source",
                                                    "type",
                                                    "reportingComponent"};
    if (field != "metadata.name" && field != "metadata.namespace" &&
        !(r.kind == "Event" && kEventFields.count(field))) {
      error = "field label not supported: " + field;
      return std::nullopt;
    }
    if (field == "source") field = "source.component";
    size_t k = 0;
    while (k <= field.size()) {
      size_t d = field.find('.', k);
      if (d == std::string::npos) d = field.size();
      f.path.push_back(field.substr(k, d - k));
      k = d + 1;
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool fieldsMatch(const std::vector<FieldReq>& sel, const json& obj) {
  for (const auto& f : sel) {
    const json* cur = &obj;
    for (const auto& part : f.path) {
      if (!cur->is_object() || !cur->contains(part)) {
        cur = nullptr;
        break;
      }
      cur = &(*cur)[part];
    }
    std::string v = cur && cur->is_string() ? cur->get<std::string>() : "";
    if ((v == f.value) != f.equal) return false;
  }
  return true;
}

}  // namespace portico::testing::fakeapi
