; C and C++ have no function-local bindings here (see locals-python.scm for the captures); only a
; struct, union or class field's name where its type declares it (`int count;`, `char *name;`,
; `char buf[8];`, `int (*cb)(void);`): the file's own field, no use of a definition elsewhere (a
; word of the file still). A C++ member function declared in its class (`void run();`) is left
; as it was: its definition is elsewhere.
(field_declaration declarator: (field_identifier) @keyword)
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @keyword))
(field_declaration declarator: (array_declarator declarator: (field_identifier) @keyword))
(field_declaration
  declarator: (pointer_declarator declarator: (pointer_declarator
    declarator: (field_identifier) @keyword)))
(field_declaration
  declarator: (function_declarator
    declarator: (parenthesized_declarator (pointer_declarator
      declarator: (field_identifier) @keyword))))
; A designated initializer's field (`{ .count = 1, .name = "x" }`): a field of the struct being
; built, no use of a definition elsewhere by that name.
(field_designator (field_identifier) @keyword)
