#include "http/router.h"

#include <algorithm>

#include <fmt/format.h>

namespace wirt::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  if (!path.empty() && path[0] == '/') i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;  // "/" → {""}, "/a/" → {"a", ""}
}

}  // namespace

core::Status check_pattern(const std::string& path) {
  if (path.empty() || path[0] != '/') return core::invalid("path: path must start with /");
  auto parts = split_path(path);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    bool open = p.find('{') != std::string_view::npos, close = p.find('}') != std::string_view::npos;
    if (!open && !close) continue;
    if (p.size() < 3 || p.front() != '{' || p.back() != '}' || p.find('{', 1) != std::string_view::npos ||
        p.find('}') != p.size() - 1) {
      return core::invalid(fmt::format("path: bad pattern \"{}\": a parameter must be a whole segment, as {{name}}", path));
    }
    std::string_view name = p.substr(1, p.size() - 2);
    if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
      if (i + 1 != parts.size()) {
        return core::invalid(fmt::format("path: bad pattern \"{}\": {{{}}} must be the last segment", path, name));
      }
      name = name.substr(0, name.size() - 3);
    }
    if (name.empty() || name.find("...") != std::string_view::npos) {
      return core::invalid(fmt::format("path: bad pattern \"{}\": empty parameter name", path));
    }
  }
  return {};
}

bool RouteTable::more_specific(const Route& a, const Route& b) {
  size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.segments[i].kind != b.segments[i].kind) return a.segments[i].kind < b.segments[i].kind;
  }
  return a.segments.size() > b.segments.size();
}

core::Status RouteTable::add(std::string method, const std::string& path, std::string owner, Handler handler) {
  WIRT_TRY(check_pattern(path));
  Route r{std::move(method), path, std::move(owner), {}, std::move(handler)};
  for (std::string_view p : split_path(path)) {
    if (p.size() > 2 && p.front() == '{') {
      std::string name(p.substr(1, p.size() - 2));
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "...") == 0) {
        r.segments.push_back({Segment::Rest, name.substr(0, name.size() - 3)});
      } else {
        r.segments.push_back({Segment::Param, name});
      }
    } else {
      r.segments.push_back({Segment::Literal, std::string(p)});
    }
  }
  for (const auto& other : routes_) {
    if (other.method != r.method || other.segments.size() != r.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < r.segments.size() && same; ++i) {
      const Segment &x = r.segments[i], &y = other.segments[i];
      same = x.kind == y.kind && (x.kind != Segment::Literal || x.text == y.text);
    }
    if (same) {
      return core::invalid(fmt::format("path: {} {} is already served by {} ({})", r.method, path, other.owner, other.pattern));
    }
  }
  auto at = std::upper_bound(routes_.begin(), routes_.end(), r, more_specific);
  routes_.insert(at, std::move(r));
  return {};
}

core::Status RouteTable::add_mount(std::string prefix, std::string owner, Handler handler) {
  for (const auto& m : mounts_) {
    if (m.prefix == prefix) return core::invalid(fmt::format("path: {} is already served by {}", prefix, m.owner));
  }
  Mount m{std::move(prefix), std::move(owner), std::move(handler)};
  auto at = std::upper_bound(mounts_.begin(), mounts_.end(), m,
                             [](const Mount& a, const Mount& b) { return a.prefix.size() > b.prefix.size(); });
  mounts_.insert(at, std::move(m));
  return {};
}

bool RouteTable::match_route(const Route& r, const std::vector<std::string_view>& parts, Fields* params) {
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const Segment& s = r.segments[i];
    if (s.kind == Segment::Rest) {
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) {
        if (j > i) rest += '/';
        rest.append(parts[j]);
      }
      if (params) params->emplace_back(s.text, std::move(rest));
      return true;
    }
    if (i >= parts.size()) return false;
    if (s.kind == Segment::Literal) {
      if (parts[i] != s.text) return false;
    } else {
      if (parts[i].empty()) return false;
      if (params) params->emplace_back(s.text, std::string(parts[i]));
    }
  }
  return i == parts.size();
}

RouteTable::Match RouteTable::match(std::string_view method, std::string_view path) const {
  Match m;
  auto parts = split_path(path);
  std::vector<std::string> allowed;
  for (const auto& r : routes_) {
    if (r.method != method) {
      if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end() && match_route(r, parts, nullptr)) {
        allowed.push_back(r.method);
      }
      continue;
    }
    Fields params;
    if (match_route(r, parts, &params)) {
      m.handler = &r.handler;
      m.params = std::move(params);
      return m;
    }
  }
  if (allowed.empty()) {
    for (const auto& mount : mounts_) {
      bool under = mount.prefix == "/" || path == mount.prefix ||
                   (path.size() > mount.prefix.size() && path.compare(0, mount.prefix.size(), mount.prefix) == 0 &&
                    path[mount.prefix.size()] == '/');
      if (!under) continue;
      if (method == "GET" || method == "HEAD") {
        m.handler = &mount.handler;
        m.params.emplace_back("prefix", mount.prefix);
        return m;
      }
      allowed = {"GET", "HEAD"};
      break;
    }
  }
  if (fallback_) {
    m.handler = &fallback_;
    return m;
  }
  if (allowed.empty()) {
    m.status = 404;
    return m;
  }
  // RFC 9110 §15.5.6: a 405 response carries Allow with the methods the target supports.
  std::sort(allowed.begin(), allowed.end());
  m.status = 405;
  m.allow = fmt::format("{}", fmt::join(allowed, ", "));
  return m;
}

}  // namespace wirt::http
