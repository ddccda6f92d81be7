#include "migrate/paths.h"

#include <fmt/format.h>

#include <cctype>

#include "api/validate/patterns.h"

namespace portico::migrate {

bool validMatchPath(std::string_view v, std::string* why) {
  auto bad = [&](std::string w) {
    if (why) *why = std::move(w);
    return false;
  };
  if (!v.starts_with('/')) return bad("must start with '/'");
  for (std::string_view s : {"//", "/./", "/../", "%2f", "%2F", "#"}) {
    if (v.find(s) != std::string_view::npos) return bad(fmt::format("must not contain '{}'", s));
  }
  if (v.ends_with("/..") || v.ends_with("/.")) return bad("must not end with '/.' or '/..'");
  if (v.size() > 1024) return bad("longer than 1024 characters");
  if (!api::validate::isHttpPathChars(v)) return bad("has characters an HTTPRoute path cannot hold");
  return true;
}

namespace {

// The start of a path written as an ingress-nginx regular expression: the
// literal text up to the first regex construct, and what follows.
struct RegexSplit {
  std::string literal;
  std::string rest;
};

RegexSplit splitRegex(std::string_view s) {
  RegexSplit out;
  size_t i = 0;
  size_t lastStart = 0;  // where the last literal token starts in `s`
  while (i < s.size()) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (c == '\\' && next != '\0' && !std::isalnum(static_cast<unsigned char>(next))) {
      lastStart = i;
      out.literal += next;
      i += 2;
      continue;
    }
    if (std::string_view("*+?{").find(c) != std::string_view::npos && !out.literal.empty()) {
      // A quantifier applies to the token before it: that token is not literal.
      out.literal.pop_back();
      i = lastStart;
      break;
    }
    if (std::string_view("()[]{}*+?|^$\\").find(c) != std::string_view::npos) break;
    if (c == '.' && std::string_view("*+?{").find(next) != std::string_view::npos) break;
    lastStart = i;
    out.literal += c;
    ++i;
  }
  out.rest = std::string(s.substr(i));
  return out;
}

// A regex tail ingress-nginx users write after a literal prefix, whose
// capture group `group` holds the rest of the path.
struct Tail {
  std::string_view text;
  int group;
  bool slashInRest;  // the captured rest starts with the '/' after the prefix
  bool segment;      // the prefix can only end at a '/' (or the end)
};

constexpr Tail kTails[] = {
    {"(/|$)(.*)", 2, false, true}, {"/(.*)", 1, false, true},     {"(/.*)", 1, true, true},
    {"/?(.*)", 1, false, false},   {"(/?)(.*)", 2, false, false}, {"(/.*)?", 1, true, true},
};

std::string normPrefix(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p.empty() ? "/" : p;
}

struct Target {
  std::string text;    // without the query
  std::string query;   // dropped part, if any
  std::string before;  // text before the first '$'
  int group = 0;       // the $N it ends with; 0 = no capture group used
  bool simple = true;  // no '$', or exactly prefix + "$N"
};

Target parseTarget(std::string_view t) {
  Target out;
  if (const auto q = t.find('?'); q != std::string_view::npos) {
    out.query = std::string(t.substr(q));
    t = t.substr(0, q);
  }
  out.text = std::string(t);
  if (out.query.find('$') != std::string::npos) {
    out.simple = false;  // a capture group in the query: cannot be dropped quietly
    return out;
  }
  const auto dollar = t.find('$');
  if (dollar == std::string_view::npos) return out;
  out.before = std::string(t.substr(0, dollar));
  std::string_view after = t.substr(dollar + 1);
  if (after.starts_with('{') && after.ends_with('}')) after = after.substr(1, after.size() - 2);
  int n = 0;
  for (char c : after) {
    if (c < '0' || c > '9') {
      out.simple = false;
      return out;
    }
    n = n * 10 + (c - '0');
  }
  if (after.empty() || n == 0) out.simple = false;
  out.group = n;
  return out;
}

}  // namespace

PathPlan planPath(std::string_view rawPath, std::string_view rawType, bool regex,
                  const std::string* rewriteTarget) {
  PathPlan plan;
  const std::string path = rawPath.empty() ? "/" : std::string(rawPath);
  const std::string type = rawType.empty() ? "ImplementationSpecific" : std::string(rawType);
  if (type != "Exact" && type != "Prefix" && type != "ImplementationSpecific") {
    plan.pathNotes.push_back(fmt::format("unknown pathType \"{}\"; path skipped", type));
    return plan;
  }
  std::string why;
  auto literalMatch = [&](const std::string& value, const char* matchType) {
    if (!validMatchPath(value, &why)) {
      plan.pathNotes.push_back(fmt::format("path \"{}\" {}; skipped", value, why));
      return false;
    }
    plan.match = api::HTTPPathMatch{matchType, value};
    return true;
  };

  std::optional<Target> target;
  if (rewriteTarget) target = parseTarget(*rewriteTarget);
  auto fullPathRewrite = [&]() {
    // No capture group: nginx replaces the whole path with the target.
    if (!target->query.empty()) {
      plan.rewriteNotes.push_back(
          fmt::format("query \"{}\" of the target dropped: URLRewrite cannot add one", target->query));
    }
    if (!validMatchPath(target->text, &why) && target->text != "/") {
      plan.rewriteNotes.push_back(fmt::format("target \"{}\" {}; not carried over", target->text, why));
      return;
    }
    plan.rewrite = api::HTTPPathModifier{"ReplaceFullPath", target->text, std::nullopt};
  };
  auto notExpressible = [&](const std::string& p) {
    plan.rewriteNotes.push_back(
        fmt::format("\"{}\" with path \"{}\" cannot be expressed: Gateway API rewrites replace a path prefix "
                    "or the whole "
                    "path, not capture groups; requests reach the backend with their original path",
                    target->text, p));
  };

  if (!regex) {
    if (type == "Exact") {
      plan.ok = literalMatch(path, "Exact");
    } else {
      plan.ok = literalMatch(path, "PathPrefix");
      if (plan.ok && type == "ImplementationSpecific") {
        plan.pathNotes.push_back(
            path == "/"
                ? std::string("pathType ImplementationSpecific converted to PathPrefix")
                : fmt::format("pathType ImplementationSpecific converted to PathPrefix: ingress-nginx "
                              "matched \"{}\" as a character prefix (\"{}x\" too), PathPrefix matches "
                              "whole segments only",
                              path, path));
      }
    }
    return plan;
  }

  if (type == "Exact") {
    // ingress-nginx keeps Exact paths literal even with use-regex.
    plan.ok = literalMatch(path, "Exact");
    if (plan.ok && target) {
      if (target->group == 0 && target->simple) {
        fullPathRewrite();
      } else {
        notExpressible(path);
      }
    }
    return plan;
  }

  std::string_view expr = path;
  if (expr.starts_with('^')) expr.remove_prefix(1);
  RegexSplit split = splitRegex(expr);
  const std::string& lit = split.literal;
  const std::string& rest = split.rest;

  if (rest.empty() || rest == ".*" || rest == "$") {
    const bool exact = rest == "$";
    plan.ok = literalMatch(lit.empty() ? std::string("/") : lit, exact ? "Exact" : "PathPrefix");
    if (!plan.ok) return plan;
    plan.segmentNarrowed = !exact && lit.size() > 1 && !lit.ends_with('/');
    if (target) {
      if (target->group == 0 && target->simple) {
        fullPathRewrite();
      } else {
        notExpressible(path);
      }
    }
    return plan;
  }

  const Tail* tail = nullptr;
  Tail any{"(.*)", 1, !lit.empty() && !lit.ends_with('/'), lit.empty() || lit.ends_with('/')};
  if (rest == "(.*)") tail = &any;
  for (const auto& t : kTails) {
    if (rest == t.text) tail = &t;
  }
  if (!tail) {
    // Not a shape with a prefix equivalent: keep the expression, as RE2
    // full match (ingress-nginx anchors regex locations at the start only).
    std::string value(expr);
    if (value.ends_with('$') && !value.ends_with("\\$")) {
      value.pop_back();
    } else if (!value.ends_with(".*")) {
      value += ".*";
    }
    plan.match = api::HTTPPathMatch{"RegularExpression", value};
    plan.ok = true;
    plan.pathNotes.push_back(
        fmt::format("regular expression \"{}\" kept as a RegularExpression path match \"{}\": RE2 syntax, "
                    "full match, and "
                    "case-sensitive where ingress-nginx ignored case; RegularExpression support varies "
                    "between Gateway API "
                    "implementations",
                    path, value));
    if (target) {
      if (target->group == 0 && target->simple) {
        fullPathRewrite();
      } else {
        notExpressible(path);
      }
    }
    return plan;
  }

  const std::string prefix = normPrefix(lit);
  plan.ok = literalMatch(prefix, "PathPrefix");
  if (!plan.ok) return plan;
  plan.segmentNarrowed = !tail->segment && lit.size() > 1 && !lit.ends_with('/');
  if (!target) return plan;
  if (target->group == 0 && target->simple) {
    fullPathRewrite();
    return plan;
  }
  if (!target->simple || target->group != tail->group) {
    notExpressible(path);
    return plan;
  }
  std::string replacement = target->before;
  if (!tail->slashInRest) {
    // nginx result: before + rest-without-its-slash. Gateway API keeps the
    // slash after the replaced prefix, so `before` must end where a
    // segment ends.
    if (replacement.empty()) replacement = "/";
    if (!replacement.ends_with('/')) {
      plan.rewriteNotes.push_back(fmt::format(
          "\"{}\" joins \"{}\" and the rest of the path without a '/' (/foo/bar -> {}bar); converted to "
          "ReplacePrefixMatch \"{}\", which keeps the '/' ({}/bar)",
          target->text, replacement, replacement, replacement, replacement));
    }
  } else if (replacement.empty()) {
    replacement = "/";
  }
  if (!target->query.empty()) {
    plan.rewriteNotes.push_back(
        fmt::format("query \"{}\" of the target dropped: URLRewrite cannot add one", target->query));
  }
  if (!validMatchPath(replacement, &why) && replacement != "/") {
    plan.rewriteNotes.push_back(fmt::format("replacement \"{}\" {}; not carried over", replacement, why));
    return plan;
  }
  if (normPrefix(replacement) == prefix) return plan;  // the identity: nothing to rewrite
  plan.rewrite = api::HTTPPathModifier{"ReplacePrefixMatch", std::nullopt, replacement};
  return plan;
}

}  // namespace portico::migrate
