"""Which name links count: a reference and a definition link only within one language family, and
never through a language's built-in names.

The ranking graph
(:mod:`analyzers.indexing.graph`) links a file that references a name to the files that
define it. By name alone, a Go method ``string()`` is credited with every use of Go's built-in
``string`` type, and a TypeScript ``execute`` with a Python seed's calls of ``execute``. So a name
column is keyed by (family, name) (:func:`key`): links never cross families; and references to a
family's built-ins (:data:`BUILTINS`) are not links at all. (Uses written through a standard
library module, ``http.Handler``, ``json.dumps``, ``io::Error``, are no references to begin
with: :func:`analyzers.syntax.parse` leaves them out.)
"""

from __future__ import annotations

import builtins

# Languages whose files can reference each other's definitions.
_FAMILY = {
    "javascript": "ecmascript", "typescript": "ecmascript", "tsx": "ecmascript",
    "vue": "ecmascript", "svelte": "ecmascript",
    "c": "c", "cpp": "c",  # headers are shared; ``.h`` is detected as either
}
_SEP = "\x1f"  # between family and name in a column key: in no identifier, and not NUL


def family(lang: str | None) -> str:
    """The language family of ``lang`` ("" for none)."""
    if lang is None:
        return ""
    return _FAMILY.get(lang, lang)


def key(fam: str, name: str) -> str:
    """The graph's column key of ``name`` in family ``fam``."""
    return f"{fam}{_SEP}{name}"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Names every file of the family can use without defining them: the language's built-in types,
# functions and constants, and the standard library's most used globals. A reference to one of
# them is never a link to a definition in the repository. Python's come from ``builtins``.
BUILTINS: dict[str, frozenset[str]] = {
    "python": frozenset(n for n in dir(builtins) if not n.startswith("_"))
    | _words("self cls __init__ __name__ __main__ __file__ __all__ __doc__ __class__ __dict__"),
    "go": _words("""
        string bool byte rune int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr
        float32 float64 complex64 complex128 error any comparable true false iota nil
        append cap clear close complex copy delete imag len make max min new panic print println
        real recover Error String"""),
    "ecmascript": _words("""
        string number boolean bigint symbol object any unknown never void undefined null true
        false this super Object Function Array String Number Boolean Symbol BigInt Date RegExp
        Error TypeError RangeError SyntaxError ReferenceError EvalError URIError AggregateError
        Promise Map Set WeakMap WeakSet WeakRef Proxy Reflect JSON Math Intl ArrayBuffer
        SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array
        Int32Array Uint32Array Float32Array Float64Array BigInt64Array BigUint64Array Iterator
        AsyncIterator Generator globalThis window document navigator console process Buffer
        require module exports __dirname __filename setTimeout clearTimeout setInterval
        clearInterval setImmediate clearImmediate queueMicrotask structuredClone parseInt
        parseFloat isNaN isFinite encodeURIComponent decodeURIComponent encodeURI decodeURI
        fetch Request Response Headers URL URLSearchParams TextEncoder TextDecoder AbortController
        AbortSignal Event EventTarget CustomEvent HTMLElement Element Node Record Partial Required
        Readonly Pick Omit Exclude Extract NonNullable ReturnType Parameters InstanceType
        ConstructorParameters Awaited ThisType PromiseLike ArrayLike Iterable IterableIterator
        AsyncIterable ReadonlyArray PropertyKey Uppercase Lowercase Capitalize Uncapitalize
        prototype constructor length toString valueOf hasOwnProperty"""),
    "rust": _words("""
        bool char str u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 Self self
        String Vec Option Result Some None Ok Err Box Rc Arc Weak Cell RefCell Mutex RwLock
        HashMap HashSet BTreeMap BTreeSet VecDeque BinaryHeap Cow PhantomData Pin Future
        Default Clone Copy Debug Display Send Sync Sized Unpin Iterator IntoIterator
        DoubleEndedIterator ExactSizeIterator Extend FromIterator From Into TryFrom TryInto AsRef
        AsMut Borrow BorrowMut Deref DerefMut Drop Fn FnMut FnOnce PartialEq Eq PartialOrd Ord
        Hash Hasher ToString ToOwned Error Formatter std core alloc crate super
        format println print eprintln eprint write writeln vec panic assert assert_eq assert_ne
        debug_assert debug_assert_eq debug_assert_ne unreachable unimplemented todo matches
        include_str include_bytes concat stringify env cfg line file column module_path
        clone to_string to_owned into from default fmt eq ne cmp partial_cmp hash drop deref
        unwrap expect unwrap_or unwrap_or_else unwrap_or_default as_ref as_mut"""),
    "java": _words("""
        boolean byte char short int long float double void String Object Integer Long Short Byte
        Character Boolean Float Double Number Math System Class Enum Record Void Thread Runnable
        Exception RuntimeException Error Throwable IllegalArgumentException IllegalStateException
        NullPointerException IndexOutOfBoundsException UnsupportedOperationException
        IOException Override Deprecated SuppressWarnings FunctionalInterface List ArrayList
        LinkedList Map HashMap LinkedHashMap TreeMap Set HashSet LinkedHashSet TreeSet Collection
        Collections Arrays Iterator Iterable Optional Objects StringBuilder CharSequence
        Comparable Comparator Function Supplier Consumer Predicate BiFunction Stream Collectors
        this super null true false toString equals hashCode getClass length size println"""),
    "csharp": _words("""
        bool byte sbyte char decimal double float int uint long ulong short ushort object string
        void dynamic var String Object Int32 Int64 Boolean Double Decimal Char Byte DateTime
        TimeSpan Guid Exception ArgumentException ArgumentNullException
        InvalidOperationException NotImplementedException NotSupportedException Task ValueTask
        List Dictionary HashSet IEnumerable IEnumerator ICollection IList IDictionary
        IReadOnlyList IReadOnlyCollection IReadOnlyDictionary IDisposable Action Func Console
        Math Enumerable Nullable Type Attribute this base null true false ToString Equals
        GetHashCode GetType nameof typeof"""),
    # Ruby: the core classes and modules, and the methods every object or class answers:
    # BasicObject, Object, Kernel, Module, Comparable; not Enumerable's (``find``, ``each``,
    # ``select``: a repository defines its own as often as it calls Ruby's; JavaScript's
    # ``map`` and ``find`` are no built-ins here either) (a test's ``def obj.is_a?``
    # stub is no definition, and no use of ``is_a?`` links to another's).
    "ruby": _words("""
        self nil true false super
        Object BasicObject Kernel Module Class String Symbol Integer Float Numeric Rational
        Complex Array Hash Set Range Proc Method Struct Comparable Enumerable Enumerator
        Exception StandardError RuntimeError ArgumentError TypeError NameError NoMethodError
        KeyError IndexError StopIteration NotImplementedError FrozenError IOError ZeroDivisionError
        IO File Dir Time
        ! != !~ <=> == === =~ __id__ __send__ equal? instance_eval instance_exec
        method_missing singleton_method_added singleton_method_removed singleton_method_undefined
        initialize initialize_copy initialize_dup initialize_clone new allocate superclass
        class clone define_singleton_method display dup enum_for to_enum eql? extend freeze
        frozen? hash inspect instance_of? instance_variable_defined? instance_variable_get
        instance_variable_set instance_variables remove_instance_variable is_a? kind_of?
        itself method methods nil? object_id public_method public_send respond_to?
        respond_to_missing? send singleton_class singleton_method singleton_methods tap then
        yield_self private_methods protected_methods public_methods
        to_s to_str to_sym to_proc to_i to_int to_f to_r to_c to_a to_ary to_h to_hash to_set
        Array Complex Float Hash Integer Rational String __callee__ __dir__ __method__ abort
        at_exit autoload binding block_given? caller caller_locations catch eval exit exit!
        fail fork format gets global_variables iterator? lambda load local_variables loop p pp
        print printf proc putc puts raise rand readline readlines require require_relative
        sleep sprintf srand system throw trap warn
        alias_method ancestors attr attr_accessor attr_reader attr_writer class_eval
        class_exec class_variable_defined? class_variable_get class_variable_set
        class_variables const_defined? const_get const_missing const_set constants
        define_method include include? included_modules instance_method instance_methods
        method_defined? module_eval module_exec prepend private_class_method
        private_constant private_instance_methods private_method_defined?
        protected_instance_methods protected_method_defined? public_class_method
        public_instance_method public_instance_methods public_method_defined?
        remove_class_variable remove_method undef_method append_features extend_object
        extended included inherited method_added method_removed prepended module_function
        private protected public refine using
        between? clamp
        """),
    "c": _words("""
        void char short int long float double signed unsigned bool size_t ssize_t ptrdiff_t
        intptr_t uintptr_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t
        FILE NULL EOF true false nullptr this std string vector map unordered_map set
        unordered_set pair tuple unique_ptr shared_ptr weak_ptr make_unique make_shared move
        forward optional variant function array size_t cout cerr endl
        printf fprintf sprintf snprintf vprintf vfprintf vsnprintf puts fputs fputc putc
        putchar getc getchar fgets fopen fclose fread fwrite fflush fseek ftell malloc calloc
        realloc free memcpy memmove memset memcmp strlen strcmp strncmp strcpy strncpy strcat
        strncat strchr strrchr strstr strdup strtol strtoul strtod atoi atof abs exit abort
        assert errno qsort bsearch sizeof offsetof va_list va_start va_end va_arg isspace
        isdigit isalpha isalnum isupper islower toupper tolower"""),
    "php": _words("""
        self parent static this null true false array string int float bool object mixed void
        callable iterable isset unset empty echo print count strlen sprintf printf implode
        explode array_map array_filter array_keys array_values in_array is_array is_string
        is_int is_null json_encode json_decode Exception Throwable stdClass Closure"""),
    "bash": _words("""
        echo printf read cd pwd exit return export local set unset shift source test true false
        eval exec trap wait kill if then else fi for do done while case esac function"""),
}
