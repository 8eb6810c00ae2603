; Names bound inside a function (see locals-python.scm for the captures). Patterns name enum
; variants and constants too (`None`, `Some(x)`): only lower-case names count as bindings.
(function_item) @scope
(closure_expression) @scope

(parameter pattern: (identifier) @param)
(closure_parameters (identifier) @param)

(let_declaration pattern: (identifier) @local)
(for_expression pattern: (identifier) @local)
(let_condition pattern: (identifier) @local)
(tuple_pattern (identifier) @local)
(ref_pattern (identifier) @local)
(mut_pattern (identifier) @local)
(slice_pattern (identifier) @local)
(captured_pattern (identifier) @local)
(tuple_struct_pattern type: (_) (identifier) @local)
(field_pattern pattern: (identifier) @local)
(field_pattern name: (shorthand_field_identifier) @local)
((match_pattern (identifier) @local) (#match? @local "^[a-z_]"))

; Attributes (`#[test]`, `#[cfg(test)]`): their names, and the words of some, are no uses of the
; crate's definitions (see syntax._rust_attribute_spans).
(attribute) @attribute

; A struct field's name where its struct declares it (`name: String`): the file's own field, no
; use of a definition elsewhere (a word of the file still).
(field_declaration name: (field_identifier) @keyword)

; A field's name where a struct value is built or matched (`Item { name: String::new() }`,
; `Shape::Rect { width: 1 }`, `Item { name: n, .. }`): a field of that struct, no use of a
; definition elsewhere by that name (the struct's own name still is one).
(field_initializer field: (field_identifier) @keyword)
(field_pattern name: (field_identifier) @keyword pattern: (_))

; A macro's tokens hold struct literals too (`vec![Item { name: a }]`): the colons in them, whose
; names before them are field keys when they open a brace's tokens or follow a comma
; (syntax._rust_macro_keys).
(token_tree ":" @macro_colon)

; A use renaming what it imports (`use crate::own::{helper as own_helper}`): the file's uses of the
; new name are uses of the definition imported (syntax._rust_renames).
(use_as_clause) @use_as
