; Names bound inside a function (see locals-python.scm for the captures).
(function_declaration) @scope
(method_declaration) @scope
(func_literal) @scope

(parameter_declaration name: (identifier) @param)
(variadic_parameter_declaration name: (identifier) @param)

(short_var_declaration left: (expression_list (identifier) @local))
(var_spec name: (identifier) @local)
(const_spec name: (identifier) @local)
(range_clause left: (expression_list (identifier) @local))
(type_switch_statement alias: (expression_list (identifier) @local))

; A struct field's name where its struct declares it (``Pattern string``): the file's own field,
; no use of a definition elsewhere (a word of the file still).
(field_declaration name: (field_identifier) @keyword)

; A composite literal's key (`Route{Handler: h}`, `map[Kind]int{KindA: 1}`): a struct's field
; (no use of a definition elsewhere by that name) or a map's, array's or slice's key (a value: a
; use). Which, syntax._go_field_keys tells from the literal's type, or the type of the literal
; that holds one whose type is left out (`[]Route{{Handler: h}}`, `[]map[Kind]int{{KindA: 1}}`).
(keyed_element key: (literal_element (identifier) @field_key))

; The file's named types (`type Counts map[Kind]int`): a literal of one that is a map, array or
; slice has keys that are values, not a struct's fields (syntax._go_named_types).
(type_spec name: (type_identifier) type: (_)) @go_type
