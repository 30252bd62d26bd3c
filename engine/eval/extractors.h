// Extractors: a field read through the registry, optionally wrapped by Falco's transformers.
#pragma once

#include <string>
#include <vector>

#include "engine/eval/predicate.h"

namespace th {

enum class TransformKind : uint8_t { tolower, toupper, b64, basename, len };

// A registered field with its compiled argument.
ExtractorPtr make_field_extractor(const FieldDef& def, FieldArg arg);
// tolower/toupper/b64/basename take strings and give strings; len gives uint64.
ExtractorPtr make_transform_extractor(TransformKind kind, ExtractorPtr inner);
// A constant string (a literal inside join/concat).
ExtractorPtr make_literal_extractor(std::string text);
// join(sep, (a, b...)) and concat(a, b...): one string made of the values of each part, with the
// separator's value between them (concat: none); no value when any part has none.
ExtractorPtr make_join_extractor(ExtractorPtr separator, std::vector<ExtractorPtr> parts);
// getopt(args, "optstring")[opt]: the argument of option `opt` in a command line, parsed as
// getopt(3) would (short options and clusters; long options skipped; stops at "--" or the first
// operand); the option's own name when it takes no argument; the last occurrence wins; no value
// when the option is absent.
ExtractorPtr make_getopt_extractor(ExtractorPtr args, std::string optstring, char opt);

// Appends a value of the given type as text (decimal numbers, true/false).
void append_value_text(std::string& out, FieldType type, const Value& v);

// Base64 decoding as Falco's b64() transformer does; false when the input is not base64.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace th
