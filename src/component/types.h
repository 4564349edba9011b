// wirt::component — the WIT type model (component-model design/mvp/WIT.md "Built-in types",
// "Item: type/record/variant/enum/flags/resource"; Explainer.md "Type definitions").
//
// A Type is immutable once built and shared through `TypePtr` (shared_ptr<const Type>); type
// aliases (`type a = b`) are resolved to the target's pointer, so two uses of a named type share
// one object. Every Type caches its canonical-ABI layout (size, alignment, flattened core types;
// CanonicalABI.md "Alignment", "Element Size", "Flattening"), computed once by the factory
// functions below, so lifting/lowering never recomputes it.
//
// Thread-safety: Types, FuncSigs and the models built from them are immutable after
// construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wirt::component {

enum class TypeKind : uint8_t {
  Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String,
  List, Record, Tuple, Variant, Enum, Option, Result, Flags,
  Own, Borrow,
  Resource,      // a resource type itself (the target of own/borrow), not a value type
  Future, Stream, ErrorContext,  // async types: parsed, not liftable/lowerable (yet)
  Unresolved,    // a type `use`d from a package this document does not define
};

// Core WebAssembly value types produced by flattening (CanonicalABI.md "Flattening").
enum class CoreType : uint8_t { I32, I64, F32, F64 };
const char* core_type_name(CoreType t);

class Type;
using TypePtr = std::shared_ptr<const Type>;

struct Field {
  std::string name;
  TypePtr type;
};

struct Case {
  std::string name;
  TypePtr type;  // nullptr: the case has no payload
};

class Type {
 public:
  TypeKind kind = TypeKind::Bool;
  // The name a type was declared with (record/variant/enum/flags/resource/unresolved), empty for
  // anonymous types (list<u8>, tuple<…>, …). Used for messages and printing.
  std::string name;
  // For Unresolved: the interface it was `use`d from ("wasi:io/streams@0.2.3").
  std::string origin;
  TypePtr elem;                     // list, option, own/borrow (the Resource), future/stream (may be null)
  TypePtr ok, err;                  // result; either may be null
  std::vector<Field> fields;        // record
  std::vector<TypePtr> elems;       // tuple
  std::vector<Case> cases;          // variant
  std::vector<std::string> labels;  // enum, flags

  // Canonical ABI layout, filled by the factories. Meaningful only when abi_ready.
  uint32_t size = 0;
  uint32_t align = 1;
  std::vector<CoreType> flat;
  // False for Resource, Unresolved, async types and anything containing them (except own/borrow
  // of a resource, which are i32 handles).
  bool abi_ready = true;
  // Nesting levels (a primitive is 1, list<u8> 2, …), filled by the factories. Producers (the WIT
  // resolver, the binary decoder) refuse types deeper than kMaxTypeDepth, so the recursive
  // lifting, lowering and printing never recurse deeper than that (issue 9 item 2).
  uint32_t depth = 1;

  bool is_integer() const { return kind >= TypeKind::S8 && kind <= TypeKind::U64; }
  bool is_handle() const { return kind == TypeKind::Own || kind == TypeKind::Borrow; }
  // WIT spelling: "u32", "list<point>", "result<s32, string>"; named types print their name.
  std::string to_wit() const;
  // Like to_wit() but expands named types one level ("record point { x: s32, y: s32 }").
  std::string describe() const;
};

// The deepest type a component or a `wit:` text may declare, as deep as WIT text may nest.
inline constexpr uint32_t kMaxTypeDepth = 100;

// ---- factories (each returns a new immutable Type with its layout computed) ----
TypePtr primitive(TypeKind kind);  // Bool..String, ErrorContext; shared singletons
TypePtr list_of(TypePtr elem);
TypePtr option_of(TypePtr elem);
TypePtr result_of(TypePtr ok, TypePtr err);  // either may be null
TypePtr tuple_of(std::vector<TypePtr> elems);
TypePtr record_type(std::string name, std::vector<Field> fields);
TypePtr variant_type(std::string name, std::vector<Case> cases);
TypePtr enum_type(std::string name, std::vector<std::string> labels);
TypePtr flags_type(std::string name, std::vector<std::string> labels);
TypePtr resource_type(std::string name);
TypePtr own_of(TypePtr resource);
TypePtr borrow_of(TypePtr resource);
TypePtr future_of(TypePtr elem);  // elem may be null
TypePtr stream_of(TypePtr elem);  // elem may be null
TypePtr unresolved_type(std::string name, std::string origin);

// Finds a primitive by its WIT keyword ("u8", "string", "float32" …); nullptr when not one.
TypePtr primitive_by_name(std::string_view name);

// ---- functions ----
struct Param {
  std::string name;  // empty for the single unnamed result of `-> T`
  TypePtr type;
};

enum class FuncKind : uint8_t { Freestanding, Constructor, Method, Static };

struct FuncSig {
  // The name as the component model spells it: "echo-point", "[constructor]counter",
  // "[method]counter.get", "[static]counter.make".
  std::string name;
  FuncKind kind = FuncKind::Freestanding;
  std::string resource;  // for resource functions
  std::vector<Param> params;
  // Empty (no result), one unnamed result (`-> T`), or named results (`-> (a: T, b: U)`).
  std::vector<Param> results;
  bool is_async = false;

  // "func(a: s32, b: string) -> string"
  std::string to_wit() const;
  // Short name for resource functions ("get" for "[method]counter.get"), else the name.
  std::string short_name() const;
};

// A named type definition in an interface, world or `wit:` text, in declaration order.
struct TypeDef {
  std::string name;
  TypePtr type;
};

}  // namespace wirt::component
