#include "echo/dns.h"

#include <cctype>

namespace portico::echo::dns {
namespace {

constexpr size_t kHeader = 12;
constexpr uint16_t kQr = 0x8000, kAa = 0x0400, kRd = 0x0100;

uint16_t get16(std::string_view w, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(w[at]) << 8) | static_cast<uint8_t>(w[at + 1]));
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}

// Reads the name at `pos` (advanced past it). Compression pointers
// (RFC 1035 4.1.4) must point backwards, which also bounds the loop.
std::optional<std::string> readName(std::string_view w, size_t& pos) {
  std::string name;
  size_t at = pos;
  bool jumped = false;
  for (;;) {
    if (at >= w.size()) return std::nullopt;
    const auto len = static_cast<uint8_t>(w[at]);
    if ((len & 0xc0) == 0xc0) {
      if (at + 1 >= w.size()) return std::nullopt;
      const size_t target = get16(w, at) & 0x3fff;
      if (target >= at) return std::nullopt;
      if (!jumped) pos = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if ((len & 0xc0) != 0) return std::nullopt;  // the reserved label types
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return name.empty() ? std::string(".") : name;
    }
    if (at + 1 + len > w.size()) return std::nullopt;
    name.append(w.substr(at + 1, len));
    name.push_back('.');
    if (name.size() > 255) return std::nullopt;
    at += 1 + len;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.empty() || out.back() != '.') out.push_back('.');
  return out;
}

bool inZone(std::string_view name, std::string_view zone) {
  const std::string n = lower(name), z = lower(zone);
  return n == z || (n.size() > z.size() && n.ends_with("." + z));
}

}  // namespace

std::optional<std::string> encodeName(std::string_view dotted) {
  if (dotted.ends_with('.')) dotted.remove_suffix(1);
  std::string out;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    if (label.empty() || label.size() > 63) return std::nullopt;
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    if (dot != std::string_view::npos && dotted.empty()) return std::nullopt;  // "a..": an empty label
  }
  out.push_back('\0');
  if (out.size() > 255) return std::nullopt;
  return out;
}

std::optional<Message> parse(std::string_view w) {
  if (w.size() < kHeader) return std::nullopt;
  Message m;
  m.id = get16(w, 0);
  m.flags = get16(w, 2);
  const uint16_t qd = get16(w, 4), an = get16(w, 6);
  size_t pos = kHeader;
  for (uint16_t i = 0; i < qd; ++i) {
    auto name = readName(w, pos);
    if (!name || pos + 4 > w.size()) return std::nullopt;
    m.questions.push_back({*name, get16(w, pos), get16(w, pos + 2)});
    pos += 4;
  }
  for (uint16_t i = 0; i < an; ++i) {
    auto name = readName(w, pos);
    if (!name || pos + 10 > w.size()) return std::nullopt;
    Record r{*name,
             get16(w, pos),
             get16(w, pos + 2),
             static_cast<uint32_t>(get16(w, pos + 4)) << 16 | get16(w, pos + 6),
             {}};
    const uint16_t rdlen = get16(w, pos + 8);
    pos += 10;
    if (pos + rdlen > w.size()) return std::nullopt;
    r.rdata = std::string(w.substr(pos, rdlen));
    pos += rdlen;
    m.answers.push_back(std::move(r));
  }
  return m;
}

std::optional<std::string> serialize(const Message& m) {
  std::string out;
  put16(out, m.id);
  put16(out, m.flags);
  put16(out, static_cast<uint16_t>(m.questions.size()));
  put16(out, static_cast<uint16_t>(m.answers.size()));
  put16(out, 0);
  put16(out, 0);
  for (const Question& q : m.questions) {
    auto name = encodeName(q.name);
    if (!name) return std::nullopt;
    out += *name;
    put16(out, q.type);
    put16(out, q.klass);
  }
  for (const Record& r : m.answers) {
    auto name = encodeName(r.name);
    if (!name || r.rdata.size() > 0xffff) return std::nullopt;
    out += *name;
    put16(out, r.type);
    put16(out, r.klass);
    put32(out, r.ttl);
    put16(out, static_cast<uint16_t>(r.rdata.size()));
    out += r.rdata;
  }
  return out;
}

std::string respond(std::string_view wire, std::string_view zone, const std::array<uint8_t, 4>& client) {
  if (wire.size() < kHeader) return {};
  Message reply;
  reply.id = get16(wire, 0);
  const uint16_t flags = get16(wire, 2);
  if (flags & kQr) return {};  // never answer a response (no reflection loops)
  // miekg/dns SetReply: QR, the opcode and RD copied; whoami sets AA.
  reply.flags = static_cast<uint16_t>(kQr | (flags & 0x7800) | (flags & kRd));
  auto withCode = [&](Rcode code) {
    reply.flags = static_cast<uint16_t>((reply.flags & ~0xf) | static_cast<uint16_t>(code));
    auto out = serialize(reply);
    return out ? *out : std::string();
  };
  auto query = parse(wire);
  if (!query || query->questions.size() != 1) return withCode(Rcode::kFormErr);
  if (query->opcode() != 0) return withCode(Rcode::kNotImp);
  const Question& q = query->questions[0];
  if (!encodeName(q.name)) return withCode(Rcode::kFormErr);
  reply.questions.push_back(q);
  if (!inZone(q.name, zone)) return withCode(Rcode::kRefused);
  reply.flags |= kAa;
  if (q.type == kTypeA && q.klass == kClassIn) {
    reply.answers.push_back({q.name, kTypeA, kClassIn, 0, std::string(client.begin(), client.end())});
  }
  return withCode(Rcode::kNoError);
}

}  // namespace portico::echo::dns
