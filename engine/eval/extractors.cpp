#include "engine/eval/extractors.h"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace th {
namespace {

class FieldExtractor final : public Extractor {
 public:
  FieldExtractor(const FieldDef& def, FieldArg arg)
      : Extractor(def.type, def.analysis_dims, def.types), def_(def), arg_(std::move(arg)) {}
  bool extract(const Event& e, Scratch& s, Values& out) const override {
    return def_.extract(e, arg_, s, out);
  }
  ExtractFn direct(const FieldArg** arg) const override {
    *arg = &arg_;
    return def_.extract;
  }

 private:
  const FieldDef& def_;
  FieldArg arg_;
};

class TransformExtractor final : public Extractor {
 public:
  TransformExtractor(TransformKind k, ExtractorPtr inner)
      : Extractor(k == TransformKind::len ? FieldType::uint64 : FieldType::string, inner->dims(),
                  inner->types()),
        kind_(k),
        inner_(std::move(inner)) {}

  bool extract(const Event& e, Scratch& s, Values& out) const override {
    Values in;
    if (!inner_->extract(e, s, in)) return false;
    for (const Value& v : in) {
      if (kind_ == TransformKind::len) {
        out.push_uint(v.str.size());
        continue;
      }
      std::string& buf = s.next();
      switch (kind_) {
        case TransformKind::tolower:
          buf.assign(v.str);
          for (char& c : buf) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          break;
        case TransformKind::toupper:
          buf.assign(v.str);
          for (char& c : buf) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          break;
        case TransformKind::b64:
          if (!base64_decode(v.str, buf)) return false;
          break;
        case TransformKind::basename: {
          std::string_view p = v.str;
          auto slash = p.rfind('/');
          buf.assign(slash == std::string_view::npos ? p : p.substr(slash + 1));
          break;
        }
        case TransformKind::len: break;
      }
      out.push_str(buf);
    }
    return true;
  }

 private:
  TransformKind kind_;
  ExtractorPtr inner_;
};

class LiteralExtractor final : public Extractor {
 public:
  explicit LiteralExtractor(std::string t)
      : Extractor(FieldType::string, kDimType | kDimRequest | kDimOpenMode), text_(std::move(t)) {}
  bool extract(const Event&, Scratch&, Values& out) const override {
    out.push_str(text_);
    return true;
  }

 private:
  std::string text_;
};

// join() has a value only where every part has one.
EvtTypeSet combined_types(const std::vector<ExtractorPtr>& parts) {
  uint32_t bits = EvtTypeSet::all().bits();
  for (const auto& p : parts) bits &= p->types().bits();
  EvtTypeSet s;
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    if (bits & (1u << i)) s.add(static_cast<EvtType>(i));
  return s;
}

uint8_t combined_dims(const std::vector<ExtractorPtr>& parts) {
  uint8_t d = kDimType | kDimRequest | kDimOpenMode;
  for (const auto& p : parts) {
    if (p->dims() == 0) return 0;
    d &= p->dims();
  }
  return d;
}

class JoinExtractor final : public Extractor {
 public:
  JoinExtractor(ExtractorPtr sep, std::vector<ExtractorPtr> parts)
      : Extractor(FieldType::string, combined_dims(parts), combined_types(parts)),
        sep_(std::move(sep)),
        parts_(std::move(parts)) {}
  bool extract(const Event& e, Scratch& s, Values& out) const override {
    Values sepv;
    if (sep_ && (!sep_->extract(e, s, sepv) || sepv.empty())) return false;
    std::string& buf = s.next();
    bool first = true;
    for (const auto& part : parts_) {
      Values v;
      if (!part->extract(e, s, v)) return false;
      for (const Value& x : v) {
        if (!first && sep_) append_value_text(buf, sep_->type(), sepv[0]);
        first = false;
        append_value_text(buf, part->type(), x);
      }
    }
    out.push_str(buf);
    return true;
  }

 private:
  ExtractorPtr sep_;
  std::vector<ExtractorPtr> parts_;
};

class GetoptExtractor final : public Extractor {
 public:
  GetoptExtractor(ExtractorPtr args, std::string optstring, char opt)
      : Extractor(FieldType::string, 0, args->types()),
        args_(std::move(args)),
        optstring_(std::move(optstring)),
        opt_(opt) {}

  bool extract(const Event& e, Scratch& s, Values& out) const override {
    Values in;
    if (!args_->extract(e, s, in) || in.empty()) return false;
    std::string_view line = in[0].str;
    // Tokens split on spaces; parsing stops at "--" or the first non-option, as getopt(3) does
    // without GNU permutation.
    std::size_t pos = 0;
    auto next_token = [&]() -> std::string_view {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      std::size_t start = pos;
      while (pos < line.size() && line[pos] != ' ') ++pos;
      return line.substr(start, pos - start);
    };
    std::optional<std::string_view> found;
    for (std::string_view tok = next_token(); !tok.empty(); tok = next_token()) {
      if (tok == "--" || tok.size() < 2 || tok[0] != '-') break;
      if (tok[1] == '-') continue;  // long options are not getopt(3)'s: skip them
      for (std::size_t i = 1; i < tok.size(); ++i) {
        char c = tok[i];
        auto spec = optstring_.find(c);
        if (spec == std::string::npos || c == ':') continue;  // unknown option, as getopt skips
        bool takes_arg = spec + 1 < optstring_.size() && optstring_[spec + 1] == ':';
        if (!takes_arg) {
          if (c == opt_) found = tok.substr(i, 1);
          continue;
        }
        std::string_view value = i + 1 < tok.size() ? tok.substr(i + 1) : next_token();
        if (c == opt_) found = value;
        break;  // the rest of the token was the argument
      }
    }
    if (found) return push(s, out, *found);
    return false;
  }

 private:
  static bool push(Scratch& s, Values& out, std::string_view value) {
    std::string& buf = s.next();
    buf.assign(value);
    out.push_str(buf);
    return true;
  }

  ExtractorPtr args_;
  std::string optstring_;
  char opt_;
};

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

void append_value_text(std::string& out, FieldType type, const Value& v) {
  char tmp[24];
  switch (type) {
    case FieldType::string: out += v.str; return;
    case FieldType::int64: {
      auto r = std::to_chars(tmp, tmp + sizeof tmp, v.i);
      out.append(tmp, r.ptr);
      return;
    }
    case FieldType::uint64:
    case FieldType::abstime: {
      auto r = std::to_chars(tmp, tmp + sizeof tmp, v.u);
      out.append(tmp, r.ptr);
      return;
    }
    case FieldType::boolean: out += v.i ? "true" : "false"; return;
  }
}

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : in) {
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) return false;  // data after padding
    int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return pad <= 2 && (in.size() % 4 == 0 || pad == 0);
}

ExtractorPtr make_field_extractor(const FieldDef& def, FieldArg arg) {
  return std::make_unique<FieldExtractor>(def, std::move(arg));
}
ExtractorPtr make_transform_extractor(TransformKind kind, ExtractorPtr inner) {
  return std::make_unique<TransformExtractor>(kind, std::move(inner));
}
ExtractorPtr make_literal_extractor(std::string text) {
  return std::make_unique<LiteralExtractor>(std::move(text));
}
ExtractorPtr make_join_extractor(ExtractorPtr separator, std::vector<ExtractorPtr> parts) {
  return std::make_unique<JoinExtractor>(std::move(separator), std::move(parts));
}
ExtractorPtr make_getopt_extractor(ExtractorPtr args, std::string optstring, char opt) {
  return std::make_unique<GetoptExtractor>(std::move(args), std::move(optstring), opt);
}

}  // namespace th
