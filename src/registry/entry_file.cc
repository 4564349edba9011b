#include "registry/entry_file.h"

#include <algorithm>
#include <array>
#include <utility>

#include "registry/file_ref.h"
#include "registry/yaml_value.h"

namespace wirt::registry {

namespace {

// Keys of the single-entry form that describe the file or the entry itself, never its data.
constexpr std::array<std::string_view, 7> kSingleReserved = {
    "namespace", "name", "kind", "meta", "version", "requirements", "entries"};
// Keys of a batch item that are not data.
constexpr std::array<std::string_view, 3> kBatchReserved = {"name", "kind", "meta"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& keys, std::string_view k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

bool non_empty_string(const core::Value* v) { return v && v->is_string() && !v->as_string().empty(); }

class FileParser {
 public:
  FileParser(const EntryFileContext& ctx, EntryFileResult* out) : ctx_(ctx), out_(out) {}

  void run(std::string_view text) {
    auto doc = parse_yaml(text, ctx_.display);
    if (!doc) {
      // Whether a broken file was meant as an entry file cannot be known; DESIGN §1.1 makes a
      // syntax error an error rather than the reference's silent drop.
      out_->is_entry_file = true;
      out_->errors.push_back(std::move(doc).error());
      return;
    }
    core::Value& root = doc->value;
    const MarkTree& marks = doc->marks;
    if (!root.is_map() || !root.find("namespace")) return;
    out_->is_entry_file = true;

    const core::Value* ns = root.find("namespace");
    if (!non_empty_string(ns)) {
      error(marks.child("namespace"), "", "namespace must be a non-empty string");
      return;
    }
    ns_ = ns->as_string();
    if (ns_.find(':') != std::string::npos) {
      error(marks.child("namespace"), "", "namespace must not contain ':': " + ns_);
      return;
    }

    core::Value* entries = root.find("entries");
    bool batch = entries && entries->is_array();
    // `entries:` left empty (nil) does not make a batch file; name/kind still decide.
    bool single = (!entries || entries->is_nil()) && (root.find("name") || root.find("kind"));

    interpolate_file(&root, marks, batch, single);

    core::Value file_meta = core::Value::map();
    if (batch) {
      if (const core::Value* m = root.find("meta")) {
        if (m->is_map()) {
          file_meta = *m;
        } else if (!m->is_nil()) {
          error(marks.child("meta"), "", "meta must be a map, got " + std::string(m->type_name()));
        }
      }
    }

    if (batch) {
      const MarkTree* entry_marks = marks.child("entries");
      const core::Array& items = entries->as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        const MarkTree* m = entry_marks ? entry_marks->child(i) : nullptr;
        extract(items[i], m ? m : entry_marks, i, kBatchReserved, file_meta);
      }
    } else if (entries && !entries->is_nil()) {
      error(marks.child("entries"), "", "entries must be an array, got " + std::string(entries->type_name()));
    } else if (single) {
      // The single form is the batch form with one item whose extra keys are file keys too.
      extract(root, &marks, 0, kSingleReserved, core::Value::map());
    } else {
      error(&marks, "", "either entries array or single entry (name/kind) must be provided");
    }
  }

 private:
  SourcePos pos(const MarkTree* m) const {
    SourcePos p{ctx_.display};
    if (m) {
      p.line = m->mark.line;
      p.column = m->mark.column;
    }
    return p;
  }

  void error(const MarkTree* m, std::string_view id, std::string_view message,
             core::ErrorKind kind = core::ErrorKind::Invalid) {
    out_->errors.emplace_back(kind, format_entry_message(pos(m), id, message));
  }

  std::string id_of(const core::Value& item) const {
    const core::Value* name = item.find("name");
    return non_empty_string(name) ? EntryId{ns_, name->as_string()}.str() : std::string();
  }

  // file:// is applied to every string at any depth before extraction (as the reference does),
  // so it also works inside meta and nested data. Errors name the entry the string belongs to.
  void interpolate_file(core::Value* root, const MarkTree& marks, bool batch, bool single) {
    std::string single_id = single ? id_of(*root) : std::string();
    for (auto& [key, value] : root->as_map()) {
      const MarkTree* m = marks.child(key);
      if (batch && key == "entries") {
        core::Array& items = value.as_array();
        item_failed_.assign(items.size(), false);
        for (size_t i = 0; i < items.size(); ++i) {
          bool failed = false;
          interpolate(&items[i], m ? m->child(i) : nullptr, id_of(items[i]), &failed);
          item_failed_[i] = failed;
        }
      } else if (single && key != "namespace" && key != "version" && key != "requirements") {
        interpolate(&value, m, single_id, &file_failed_);
      } else {
        interpolate(&value, m, "", &file_failed_);
      }
    }
  }

  void interpolate(core::Value* v, const MarkTree* m, const std::string& id, bool* failed) {
    if (v->is_string()) {
      if (!is_file_ref(v->as_string())) return;
      FileRefRoots roots{ctx_.file.parent_path(), ctx_.src, ctx_.root};
      auto text = read_file_ref(v->as_string(), roots);
      if (!text) {
        error(m, id, text.error().message(), text.error().kind());
        *failed = true;
        return;
      }
      *v = core::Value(std::move(*text));
    } else if (v->is_array()) {
      core::Array& items = v->as_array();
      for (size_t i = 0; i < items.size(); ++i) interpolate(&items[i], m ? m->child(i) : nullptr, id, failed);
    } else if (v->is_map()) {
      for (auto& [key, child] : v->as_map()) interpolate(&child, m ? m->child(key) : nullptr, id, failed);
    }
  }

  template <size_t N>
  void extract(const core::Value& item, const MarkTree* marks, size_t index,
               const std::array<std::string_view, N>& reserved, const core::Value& file_meta) {
    std::string label = "entry[" + std::to_string(index) + "]";
    if (!item.is_map()) {
      error(marks, "", label + ": entry must be a map, got " + std::string(item.type_name()));
      return;
    }
    auto field_mark = [&](std::string_view key) {
      const MarkTree* m = marks ? marks->child(key) : nullptr;
      return m ? m : marks;
    };
    size_t errors_before = out_->errors.size();

    const core::Value* name = item.find("name");
    std::string id;
    if (!non_empty_string(name)) {
      error(field_mark("name"), "", label + ".name: name is required and must be a non-empty string");
    } else if (name->as_string().find(':') != std::string::npos) {
      error(field_mark("name"), "", label + ".name: name must not contain ':': " + name->as_string());
    } else {
      id = EntryId{ns_, name->as_string()}.str();
    }

    const core::Value* kind = item.find("kind");
    if (!non_empty_string(kind)) {
      error(field_mark("kind"), id, label + ".kind: kind is required and must be a non-empty string");
    }

    // File-level meta goes under the entry's own meta: entry keys win, file keys keep order.
    core::Value meta = file_meta;
    if (const core::Value* m = item.find("meta")) {
      if (m->is_map()) {
        for (const auto& [k, v] : m->as_map()) meta.set(k, v);
      } else if (!m->is_nil()) {
        error(field_mark("meta"), id, label + ".meta: meta must be a map, got " + std::string(m->type_name()));
      }
    }

    core::Value data = core::Value::map();
    if (const core::Value* d = item.find("data")) {
      // An explicit data: key replaces the flat extraction (reference-platform §1.2).
      if (d->is_map()) {
        data = *d;
      } else if (!d->is_nil()) {
        error(field_mark("data"), id, label + ".data: data must be a map, got " + std::string(d->type_name()));
      }
    } else {
      for (const auto& [k, v] : item.as_map()) {
        if (!contains(reserved, k)) data.as_map().emplace_back(k, v);
      }
    }

    // An entry with any problem (including a failed file:// in it or in the file-level keys it
    // inherits) is left out: the errors already say why, and a half-built entry must not boot.
    bool interpolation_failed = file_failed_ || (index < item_failed_.size() && item_failed_[index]);
    if (out_->errors.size() != errors_before || interpolation_failed) return;
    Entry e;
    e.id = EntryId{ns_, name->as_string()};
    e.kind = kind->as_string();
    e.meta = std::move(meta);
    e.data = std::move(data);
    e.pos = pos(marks);
    out_->entries.push_back(std::move(e));
  }

  const EntryFileContext& ctx_;
  EntryFileResult* out_;
  std::string ns_;
  std::vector<bool> item_failed_;  // batch items whose file:// interpolation failed
  bool file_failed_ = false;       // a file:// outside `entries` failed
};

}  // namespace

std::string format_entry_message(const SourcePos& pos, std::string_view id, std::string_view message) {
  std::string out = pos.str();
  out += ": ";
  if (!id.empty()) {
    out += "entry ";
    out += id;
    out += ": ";
  }
  out += message;
  return out;
}

EntryFileResult parse_entry_file(std::string_view text, const EntryFileContext& ctx) {
  EntryFileResult out;
  FileParser(ctx, &out).run(text);
  return out;
}

}  // namespace wirt::registry
