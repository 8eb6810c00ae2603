; Additions to tree-sitter-c-sharp's tags.scm: constructors, structs, enums, records, properties
; and namespaces with dotted or file-scoped names.
(constructor_declaration name: (identifier) @name) @definition.method
(struct_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.enum
(property_declaration name: (identifier) @name) @definition.property
(namespace_declaration name: (qualified_name) @name) @definition.module
(file_scoped_namespace_declaration name: [(identifier) (qualified_name)] @name) @definition.module
