//! Tests of the query lexer, parser and printer.

use super::{BinOp, Expr, Literal, MAX_DEPTH, ParseError, Span, UnOp, parse};
use proptest::prelude::*;

/// The canonical form of `src`, which shows how it was grouped.
fn canon(src: &str) -> String {
    match parse(src) {
        Ok(e) => e.to_string(),
        Err(e) => panic!("{src:?} should parse: {e}\n{}", e.render(src)),
    }
}

/// The error of `src` as (0-based start, end, message).
fn error(src: &str) -> (usize, usize, String) {
    match parse(src) {
        Ok(e) => panic!("{src:?} should not parse, got {e}"),
        Err(e) => (e.span.start, e.span.end, e.message),
    }
}

/// Asserts the error message and where it starts.
#[track_caller]
fn assert_error(src: &str, start: usize, message: &str) {
    let (s, _, m) = error(src);
    assert_eq!((s, m.as_str()), (start, message), "for {src:?}");
}

/// The literal `src` parses to.
fn lit(src: &str) -> Literal {
    match parse(src) {
        Ok(Expr::Lit { value, .. }) => value,
        other => panic!("{src:?} is not a literal: {other:?}"),
    }
}

/// `e` with every span zeroed, to compare trees by structure.
fn strip(e: &Expr) -> Expr {
    let span = Span { start: 0, end: 0 };
    match e {
        Expr::Column { name, .. } => Expr::Column {
            name: name.clone(),
            span,
        },
        Expr::Lit { value, .. } => Expr::Lit {
            value: value.clone(),
            span,
        },
        Expr::Unary { op, expr, .. } => Expr::Unary {
            op: *op,
            expr: Box::new(strip(expr)),
            span,
        },
        Expr::Binary { op, lhs, rhs, .. } => Expr::Binary {
            op: *op,
            lhs: Box::new(strip(lhs)),
            rhs: Box::new(strip(rhs)),
            span,
        },
        Expr::InList {
            expr,
            list,
            negated,
            ..
        } => Expr::InList {
            expr: Box::new(strip(expr)),
            list: list.clone(),
            negated: *negated,
            span,
        },
        Expr::IsNull { expr, negated, .. } => Expr::IsNull {
            expr: Box::new(strip(expr)),
            negated: *negated,
            span,
        },
        Expr::Between {
            expr,
            low,
            high,
            negated,
            ..
        } => Expr::Between {
            expr: Box::new(strip(expr)),
            low: Box::new(strip(low)),
            high: Box::new(strip(high)),
            negated: *negated,
            span,
        },
        Expr::Like {
            expr,
            pattern,
            escape,
            negated,
            case_insensitive,
            ..
        } => Expr::Like {
            expr: Box::new(strip(expr)),
            pattern: pattern.clone(),
            escape: *escape,
            negated: *negated,
            case_insensitive: *case_insensitive,
            span,
        },
    }
}

/// Every span of `e`, parents before children.
fn spans(e: &Expr, out: &mut Vec<Span>) {
    out.push(e.span());
    match e {
        Expr::Column { .. } | Expr::Lit { .. } => {}
        Expr::Unary { expr, .. }
        | Expr::InList { expr, .. }
        | Expr::IsNull { expr, .. }
        | Expr::Like { expr, .. } => {
            spans(expr, out);
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            spans(expr, out);
            spans(low, out);
            spans(high, out);
        }
        Expr::Binary { lhs, rhs, .. } => {
            spans(lhs, out);
            spans(rhs, out);
        }
    }
}

// ---- operators and precedence ----

#[test]
fn parse_every_binary_operator() {
    for (text, op) in [
        ("+", BinOp::Add),
        ("-", BinOp::Sub),
        ("*", BinOp::Mul),
        ("/", BinOp::Div),
        ("<", BinOp::Lt),
        ("<=", BinOp::Le),
        (">", BinOp::Gt),
        (">=", BinOp::Ge),
        ("==", BinOp::Eq),
        ("=", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("<>", BinOp::Ne),
        ("and", BinOp::And),
        ("AND", BinOp::And),
        ("&", BinOp::And),
        ("or", BinOp::Or),
        ("Or", BinOp::Or),
        ("|", BinOp::Or),
    ] {
        let src = format!("a {text} b");
        let e = parse(&src).unwrap();
        let Expr::Binary {
            op: got,
            lhs,
            rhs,
            span,
        } = &e
        else {
            panic!("{src}: {e:?}");
        };
        assert_eq!(*got, op, "{src}");
        assert_eq!(
            **lhs,
            Expr::Column {
                name: "a".into(),
                span: Span { start: 0, end: 1 }
            }
        );
        assert_eq!(rhs.span().end, src.len());
        assert_eq!(
            *span,
            Span {
                start: 0,
                end: src.len()
            }
        );
        assert_eq!(e.to_string(), format!("(a {} b)", op.as_str()));
    }
}

#[test]
fn parse_operators_without_spaces() {
    assert_eq!(canon("a<=b"), "(a <= b)");
    assert_eq!(canon("a<>b"), "(a != b)");
    assert_eq!(canon("a=b"), "(a == b)");
    assert_eq!(canon("a-1"), "(a - 1)");
    assert_eq!(canon("a--1"), "(a - -1)");
    assert_eq!(canon("a&b|c"), "((a and b) or c)");
    assert_eq!(canon("~a"), "(not a)");
    assert_eq!(canon("a<-1"), "(a < -1)");
}

#[test]
fn parse_unary_operators() {
    assert_eq!(canon("not a"), "(not a)");
    assert_eq!(canon("NOT a"), "(not a)");
    assert_eq!(canon("~ ~a"), "(not (not a))");
    assert_eq!(canon("-a"), "(-a)");
    assert_eq!(canon("--a"), "(-(-a))");
    assert_eq!(canon("-(1)"), "(-(1))");
    assert_eq!(canon("--1"), "(-(-1))");
    let e = parse("- x").unwrap();
    assert_eq!(
        e,
        Expr::Unary {
            op: UnOp::Neg,
            expr: Box::new(Expr::Column {
                name: "x".into(),
                span: Span { start: 2, end: 3 }
            }),
            span: Span { start: 0, end: 3 },
        }
    );
}

#[test]
fn parse_precedence_levels() {
    assert_eq!(canon("a or b and c"), "(a or (b and c))");
    assert_eq!(canon("a and b or c"), "((a and b) or c)");
    assert_eq!(canon("not a and b"), "((not a) and b)");
    assert_eq!(canon("not a == b"), "(not (a == b))");
    assert_eq!(canon("a + b < c * d"), "((a + b) < (c * d))");
    assert_eq!(canon("a + b * c"), "(a + (b * c))");
    assert_eq!(canon("a * b + c"), "((a * b) + c)");
    assert_eq!(canon("-a * b"), "((-a) * b)");
    assert_eq!(canon("-2 * b"), "(-2 * b)");
    assert_eq!(canon("a + b in [1]"), "((a + b) in [1])");
    assert_eq!(canon("a * 2 is null"), "((a * 2) is null)");
    assert_eq!(canon("not a is null"), "(not (a is null))");
    assert_eq!(canon("not a in [1] or b"), "((not (a in [1])) or b)");
}

#[test]
fn parse_ampersand_and_pipe_bind_below_comparisons() {
    assert_eq!(
        canon("qty < 10 & price > 96"),
        "((qty < 10) and (price > 96))"
    );
    assert_eq!(
        canon("a == 1 | b != 2 & c"),
        "((a == 1) or ((b != 2) and c))"
    );
    assert_eq!(canon("~a & b"), "((not a) and b)");
}

#[test]
fn parse_left_associative() {
    assert_eq!(canon("a - b - c"), "((a - b) - c)");
    assert_eq!(canon("a / b / c"), "((a / b) / c)");
    assert_eq!(canon("a or b or c"), "((a or b) or c)");
    assert_eq!(canon("a & b & c"), "((a and b) and c)");
}

#[test]
fn parse_parentheses() {
    assert_eq!(canon("(a + b) * c"), "((a + b) * c)");
    assert_eq!(canon("((a))"), "a");
    assert_eq!(canon("(a < b) == (c < d)"), "((a < b) == (c < d))");
    assert_eq!(canon("a == (not b)"), "(a == (not b))");
    assert_eq!(canon("(a or b) and c"), "((a or b) and c)");
}

// ---- keywords, names, literals ----

#[test]
fn parse_keywords_case_insensitive() {
    assert_eq!(canon("A aNd B oR NoT c"), "((A and B) or (not c))");
    assert_eq!(
        canon("x IN [1] AND y Is NoT NuLl"),
        "((x in [1]) and (y is not null))"
    );
    assert_eq!(
        canon("x NOT IN (TRUE, False, NULL)"),
        "(x not in [true, false, null])"
    );
    assert_eq!(lit("TRUE"), Literal::Bool(true));
    assert_eq!(lit("fAlSe"), Literal::Bool(false));
    assert_eq!(lit("Null"), Literal::Null);
}

#[test]
fn parse_column_names() {
    let e = parse("_a1 + B_2").unwrap();
    assert_eq!(e.columns(), ["_a1", "B_2"]);
    // Names that merely start with a keyword are names.
    assert_eq!(
        canon("android or order or nothing or island"),
        "(((android or order) or nothing) or island)"
    );
    assert_eq!(canon("nullable is null"), "(nullable is null)");
}

#[test]
fn parse_backquoted_names() {
    let e = parse("`unit price` * `qty`").unwrap();
    assert_eq!(e.columns(), ["unit price", "qty"]);
    assert_eq!(e.to_string(), "(`unit price` * qty)");
    assert_eq!(parse("`a``b`").unwrap().columns(), ["a`b"]);
    assert_eq!(parse("````").unwrap().columns(), ["`"]);
    assert_eq!(canon("`and` and `NULL`"), "(`and` and `NULL`)");
    assert_eq!(canon("`naïve ☃`"), "`naïve ☃`");
    assert_eq!(canon("`1st`"), "`1st`");
    let e = parse("`a b` < 1").unwrap();
    let Expr::Binary { lhs, .. } = e else {
        panic!()
    };
    assert_eq!(lhs.span(), Span { start: 0, end: 5 });
}

#[test]
fn parse_integers() {
    assert_eq!(lit("42"), Literal::Int(42));
    assert_eq!(lit("0"), Literal::Int(0));
    assert_eq!(lit("007"), Literal::Int(7));
    assert_eq!(lit("-7"), Literal::Int(-7));
    assert_eq!(lit("- 7"), Literal::Int(-7));
    assert_eq!(lit("9223372036854775807"), Literal::Int(i64::MAX.into()));
    assert_eq!(lit("-9223372036854775808"), Literal::Int(i64::MIN.into()));
    // The whole u64 range too.
    assert_eq!(lit("9223372036854775808"), Literal::Int(1 << 63));
    assert_eq!(lit("18446744073709551615"), Literal::Int(u64::MAX.into()));
    assert_eq!(parse("-7").unwrap().span(), Span { start: 0, end: 2 });
}

#[test]
fn parse_floats() {
    assert_eq!(lit("3.5"), Literal::Float(3.5));
    assert_eq!(lit("1e-3"), Literal::Float(1e-3));
    assert_eq!(lit("1E3"), Literal::Float(1000.0));
    assert_eq!(lit("1e+3"), Literal::Float(1000.0));
    assert_eq!(lit(".5"), Literal::Float(0.5));
    assert_eq!(lit("2."), Literal::Float(2.0));
    assert_eq!(lit("2.e2"), Literal::Float(200.0));
    assert_eq!(lit("-.25"), Literal::Float(-0.25));
    assert_eq!(lit("-1.5e300"), Literal::Float(-1.5e300));
    assert_eq!(lit("1e-400"), Literal::Float(0.0));
    assert_eq!(canon("a*2.5"), "(a * 2.5)");
    assert_eq!(canon("2. + .5"), "(2.0 + 0.5)");
}

#[test]
fn parse_strings_and_escapes() {
    assert_eq!(lit("'abc'"), Literal::Str("abc".into()));
    assert_eq!(lit("\"abc\""), Literal::Str("abc".into()));
    assert_eq!(lit("''"), Literal::Str(String::new()));
    assert_eq!(lit(r#"'it\'s'"#), Literal::Str("it's".into()));
    assert_eq!(lit(r#""say \"hi\"""#), Literal::Str("say \"hi\"".into()));
    assert_eq!(lit(r#"'a"b'"#), Literal::Str("a\"b".into()));
    assert_eq!(lit(r#""a'b""#), Literal::Str("a'b".into()));
    assert_eq!(lit(r"'\\\n\t'"), Literal::Str("\\\n\t".into()));
    assert_eq!(lit("'été ☃'"), Literal::Str("été ☃".into()));
    assert_eq!(canon(r"s == 'a\'b\\'"), r#"(s == "a'b\\")"#);
    assert_eq!(canon("s == 'x\ty'"), r#"(s == "x\ty")"#);
}

#[test]
fn parse_in_lists() {
    let e = parse("x in [1, -2, 3.5, -4e1, 'a', \"b\", true, null]").unwrap();
    let Expr::InList {
        list,
        negated,
        span,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert!(!negated);
    assert_eq!(
        *list,
        [
            Literal::Int(1),
            Literal::Int(-2),
            Literal::Float(3.5),
            Literal::Float(-40.0),
            Literal::Str("a".into()),
            Literal::Str("b".into()),
            Literal::Bool(true),
            Literal::Null,
        ]
    );
    assert_eq!(span.end, 45);
    assert_eq!(canon("x in (1, 2)"), "(x in [1, 2])");
    assert_eq!(canon("x in []"), "(x in [])");
    assert_eq!(canon("x in ()"), "(x in [])");
    assert_eq!(canon("x in [1,]"), "(x in [1])");
    assert_eq!(
        canon("x in [- 9223372036854775808]"),
        "(x in [-9223372036854775808])"
    );
    assert_eq!(canon("x not in ['a', \"b\"]"), "(x not in [\"a\", \"b\"])");
    assert_eq!(canon("x NOT  IN (1)"), "(x not in [1])");
}

#[test]
fn parse_between_and_like() {
    assert_eq!(canon("x between 1 and 2 + 3"), "(x between 1 and (2 + 3))");
    assert_eq!(
        canon("x NOT BETWEEN a and b and c"),
        "((x not between a and b) and c)"
    );
    assert_eq!(canon("s like 'a%'"), "(s like \"a%\")");
    assert_eq!(
        canon("s not ilike 'a!%' escape '!'"),
        "(s not ilike \"a!%\" escape \"!\")"
    );
    for src in [
        "x between 1 and 2 + 3",
        "s not ilike 'a!%' escape '!'",
        "not s like 'x'",
    ] {
        let e = parse(src).unwrap();
        assert_eq!(strip(&parse(&e.to_string()).unwrap()), strip(&e), "{src}");
    }
    assert!(parse("x between 1").is_err());
    assert!(parse("s like x").is_err());
    assert!(parse("s like 'a' escape 'ab'").is_err());
}

#[test]
fn parse_is_null() {
    let e = parse("x is null").unwrap();
    assert_eq!(
        e,
        Expr::IsNull {
            expr: Box::new(Expr::Column {
                name: "x".into(),
                span: Span { start: 0, end: 1 }
            }),
            negated: false,
            span: Span { start: 0, end: 9 },
        }
    );
    assert_eq!(canon("x is not null"), "(x is not null)");
    assert_eq!(canon("(x) IS NOT NULL"), "(x is not null)");
}

#[test]
fn parse_spans_cover_parentheses() {
    let src = "(a + b) * c";
    let e = parse(src).unwrap();
    assert_eq!(e.span(), Span { start: 0, end: 11 });
    let Expr::Binary { lhs, .. } = &e else {
        panic!()
    };
    assert_eq!(lhs.span(), Span { start: 0, end: 7 });
    assert_eq!(parse("  x  ").unwrap().span(), Span { start: 2, end: 3 });
}

#[test]
fn columns_in_first_appearance_order_without_duplicates() {
    let e = parse("b + a > a * c or d in [1] and b is null").unwrap();
    assert_eq!(e.columns(), ["b", "a", "c", "d"]);
    assert!(parse("1 + 2").unwrap().columns().is_empty());
}

// ---- errors ----

#[test]
fn error_messages_and_positions() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "expected an expression, found end of input"),
        ("   ", 3, "expected an expression, found end of input"),
        ("a +", 3, "expected an expression, found end of input"),
        ("a + )", 4, "expected an expression, found ')'"),
        ("()", 1, "expected an expression, found ')'"),
        ("(a", 2, "expected ')', found end of input"),
        ("(a b", 3, "expected ')', found 'b'"),
        ("a b", 2, "unexpected 'b' after the end of the expression"),
        ("a)", 1, "unexpected ')' after the end of the expression"),
        ("a < 1 AND", 9, "expected an expression, found end of input"),
        ("'abc", 0, "unterminated string literal"),
        ("x == \"ab\\\"", 5, "unterminated string literal"),
        ("'abc\\", 0, "unterminated string literal"),
        (
            r"'a\qb'",
            2,
            r#"unknown escape '\q' in string literal; use \\ \' \" \n or \t"#,
        ),
        ("`abc", 0, "unterminated back-quoted name"),
        ("``", 0, "empty back-quoted name"),
        ("a $ b", 2, "unknown character '$'"),
        ("a . b", 2, "unknown character '.'"),
        (
            "a ! b",
            2,
            "unknown character '!'; use 'not' or '~' for negation",
        ),
        (
            "é",
            0,
            "unknown character 'é'; write unusual column names in back-quotes, like `näme`",
        ),
        (
            "a < b < c",
            6,
            "comparisons cannot be chained; use parentheses and 'and'",
        ),
        (
            "a == b in [1]",
            7,
            "comparisons cannot be chained; use parentheses and 'and'",
        ),
        (
            "a in [1] not in [2]",
            9,
            "comparisons cannot be chained; use parentheses and 'and'",
        ),
        (
            "a is null is null",
            10,
            "comparisons cannot be chained; use parentheses and 'and'",
        ),
        ("x in [1 x]", 8, "expected ',' or ']' in list, found 'x'"),
        ("x in (1 2)", 8, "expected ',' or ')' in list, found '2'"),
        ("x in [1, 2)", 10, "expected ',' or ']' in list, found ')'"),
        (
            "x in [1",
            7,
            "expected ',' or ']' in list, found end of input",
        ),
        ("x in [y]", 6, "expected a literal in list, found 'y'"),
        ("x in [1, , 2]", 9, "expected a literal in list, found ','"),
        (
            "x in [-'a']",
            7,
            "expected a number after '-' in list, found string 'a'",
        ),
        ("x in y", 5, "expected '[' or '(' after 'in', found 'y'"),
        (
            "x not in 1",
            9,
            "expected '[' or '(' after 'not in', found '1'",
        ),
        ("x is 1", 5, "expected 'null' after 'is', found '1'"),
        (
            "x is not",
            8,
            "expected 'null' after 'is not', found end of input",
        ),
        (
            "x IS NOT TRUE",
            9,
            "expected 'null' after 'is not', found 'TRUE'",
        ),
        (
            "a == not b",
            5,
            "expected an expression, found 'not'; wrap the negation in parentheses",
        ),
        (
            "a + ~b",
            4,
            "expected an expression, found '~'; wrap the negation in parentheses",
        ),
        (
            "a not b",
            2,
            "unexpected 'not' after the end of the expression",
        ),
        ("and", 0, "expected an expression, found 'and'"),
        (
            "x in",
            4,
            "expected '[' or '(' after 'in', found end of input",
        ),
        (
            "18446744073709551616",
            0,
            "integer literal 18446744073709551616 is out of range for a 64-bit integer",
        ),
        (
            "-9223372036854775809",
            0,
            "integer literal -9223372036854775809 is out of range for a 64-bit integer",
        ),
        (
            "x in [-18446744073709551615]",
            6,
            "integer literal -18446744073709551615 is out of range for a 64-bit integer",
        ),
        (
            "99999999999999999999999",
            0,
            "integer literal 99999999999999999999999 is out of range for a 64-bit integer",
        ),
        (
            "1e309",
            0,
            "float literal 1e309 is out of range for a 64-bit float",
        ),
        (
            "-1.8e308",
            1,
            "float literal 1.8e308 is out of range for a 64-bit float",
        ),
        ("12abc", 0, "invalid number literal '12abc'"),
        ("1e", 0, "invalid number literal '1e'"),
        ("1.2.3", 0, "invalid number literal '1.2.3'"),
        ("1e+", 0, "invalid number literal '1e'"),
        ("a + 'x", 4, "unterminated string literal"),
    ];
    for &(src, start, message) in cases {
        assert_error(src, start, message);
    }
}

#[test]
fn error_spans_cover_the_offending_text() {
    assert_eq!(error("a + )").0..error("a + )").1, 4..5);
    assert_eq!(error("'abc").1, 4);
    assert_eq!(error("x == 1 and ").1, 11);
    assert_eq!(error("-9223372036854775809").1, 20);
    assert_eq!(error("é").1, 2);
}

#[test]
fn error_reports_first_problem_in_source_order() {
    // The parser stops at `)` before the lexer's `$` matters.
    assert_error("a + ) $", 4, "expected an expression, found ')'");
    // The lexer's error wins when the parser reaches it.
    assert_error("a + $", 4, "unknown character '$'");
    assert_error("a $", 2, "unknown character '$'");
}

#[test]
fn error_display_and_render() {
    let src = "qty < 10 $ 3";
    let e = parse(src).unwrap_err();
    assert_eq!(
        e.to_string(),
        "query parse error at column 10: unknown character '$'"
    );
    assert_eq!(e.render(src), "qty < 10 $ 3\n         ^");
    let src = "a < b < c";
    assert_eq!(parse(src).unwrap_err().render(src), "a < b < c\n      ^");
    let src = "price >= ";
    assert_eq!(parse(src).unwrap_err().render(src), "price >= \n         ^");
    let src = "x == 'abc";
    assert_eq!(parse(src).unwrap_err().render(src), "x == 'abc\n     ^^^^");
    let src = "`é` + \t$";
    assert_eq!(parse(src).unwrap_err().render(src), "`é` + \t$\n      \t^");
    let src = "a and\n\tb <\n  c < d";
    assert_eq!(
        parse(src).unwrap_err().render(src),
        "3 |   c < d\n        ^"
    );
    let src = "a and\n(";
    assert_eq!(parse(src).unwrap_err().render(src), "2 | (\n     ^");
}

#[test]
fn error_render_with_mismatched_source_does_not_panic() {
    let e = parse("ééé $").unwrap_err();
    let _ = e.render("");
    let _ = e.render("é");
    let _ = e.render("\n\n");
    let e = ParseError {
        span: Span { start: 9, end: 2 },
        message: String::new(),
    };
    assert_eq!(e.render("ab"), "ab\n  ^");
}

#[test]
fn depth_limit_is_an_error_not_a_stack_overflow() {
    let ok = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(canon(&ok), "a");
    let msg = format!("expression is nested too deeply (more than {MAX_DEPTH} levels)");
    for n in [MAX_DEPTH + 1, 100_000] {
        let deep = format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(error(&deep).2, msg);
        assert_eq!(error(&"not ".repeat(n)).2, msg);
        assert_eq!(error(&format!("{}a", "-".repeat(n))).2, msg);
        assert_eq!(error(&format!("{}1", "-".repeat(n))).2, msg);
        assert_eq!(error(&vec!["a"; n].join(" + ")).2, msg);
        assert_eq!(error(&vec!["a"; n].join(" or ")).2, msg);
    }
    assert!(parse(&vec!["a == 1"; 120].join(" or ")).is_ok());
    assert!(parse(&format!("{}a", "not ".repeat(MAX_DEPTH - 1))).is_ok());
}

// ---- printing ----

#[test]
fn display_canonical_forms() {
    assert_eq!(canon("a+1"), "(a + 1)");
    assert_eq!(canon("1.0"), "1.0");
    assert_eq!(canon("1e100"), "1e100");
    assert_eq!(canon("1e-7"), "1e-7");
    assert_eq!(canon("x == 'a'"), "(x == \"a\")");
    assert_eq!(canon("x = TRUE"), "(x == true)");
    assert_eq!(canon("x <> NULL"), "(x != null)");
    assert_eq!(canon("`a b` + `or` + c"), "((`a b` + `or`) + c)");
    assert_eq!(canon("`x``y`"), "`x``y`");
}

#[test]
fn display_negation_of_number_reads_back_as_negation() {
    let e = Expr::Unary {
        op: UnOp::Neg,
        expr: Box::new(Expr::Lit {
            value: Literal::Int(7),
            span: Span { start: 0, end: 0 },
        }),
        span: Span { start: 0, end: 0 },
    };
    let text = e.to_string();
    assert_eq!(text, "(-(7))");
    assert_eq!(strip(&parse(&text).unwrap()), e);
}

// ---- properties ----

/// Column names, including ones that need back-quotes.
fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        Just("and".to_owned()),
        Just("Null".to_owned()),
        Just("in".to_owned()),
        "[ -~]{1,8}",
        "\\PC{1,4}",
    ]
}

/// Any literal the parser can produce.
fn arb_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>().prop_map(|i| Literal::Int(i.into())),
        any::<u64>().prop_map(|i| Literal::Int(i.into())),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0)].prop_map(|i| Literal::Int(i.into())),
        prop::num::f64::NORMAL
            .prop_union(prop::num::f64::SUBNORMAL)
            .or(prop::num::f64::ZERO)
            .prop_map(Literal::Float),
        (-1000i32..1000).prop_map(|v| Literal::Float(f64::from(v) / 8.0)),
        "\\PC{0,6}".prop_map(Literal::Str),
        "[\\\\'\"\n\t\ra ]{0,6}".prop_map(Literal::Str),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
    ]
}

/// Random trees, with zero spans.
fn arb_expr() -> impl Strategy<Value = Expr> {
    let span = Span { start: 0, end: 0 };
    let leaf = prop_oneof![
        arb_name().prop_map(move |name| Expr::Column { name, span }),
        arb_literal().prop_map(move |value| Expr::Lit { value, span }),
    ];
    leaf.prop_recursive(6, 64, 4, move |inner| {
        let binop = prop::sample::select(vec![
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
            BinOp::Eq,
            BinOp::Ne,
            BinOp::And,
            BinOp::Or,
        ]);
        prop_oneof![
            (
                prop::sample::select(vec![UnOp::Not, UnOp::Neg]),
                inner.clone()
            )
                .prop_map(move |(op, e)| Expr::Unary {
                    op,
                    expr: Box::new(e),
                    span
                }),
            (binop, inner.clone(), inner.clone()).prop_map(move |(op, l, r)| Expr::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
                span
            }),
            (
                inner.clone(),
                prop::collection::vec(arb_literal(), 0..4),
                any::<bool>()
            )
                .prop_map(move |(e, list, negated)| Expr::InList {
                    expr: Box::new(e),
                    list,
                    negated,
                    span
                }),
            (inner, any::<bool>()).prop_map(move |(e, negated)| Expr::IsNull {
                expr: Box::new(e),
                negated,
                span
            }),
        ]
    })
}

/// Text made of the language's pieces, to reach deep into the parser.
fn arb_query_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "b1",
        "`c d`",
        "`",
        "``",
        "1",
        "-",
        "2.5",
        ".5",
        "1e",
        "9223372036854775808",
        "'s'",
        "\"",
        "'",
        "\\",
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        "*",
        "/",
        "<",
        "<=",
        ">",
        ">=",
        "=",
        "==",
        "!=",
        "<>",
        "!",
        "&",
        "|",
        "~",
        "and",
        "OR",
        "not",
        "in",
        "is",
        "null",
        "true",
        "False",
        " ",
        "\n",
        "é",
        "$",
    ]);
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Checks what any parse result must satisfy: spans in bounds and on char boundaries, and a
/// successful parse prints to text that parses to the same tree.
fn check_parse(src: &str) -> Result<(), TestCaseError> {
    match parse(src) {
        Ok(e) => {
            let mut all = Vec::new();
            spans(&e, &mut all);
            for s in all {
                prop_assert!(
                    s.start <= s.end && src.get(s.start..s.end).is_some(),
                    "{s:?}"
                );
            }
            let text = e.to_string();
            let again =
                parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
            prop_assert_eq!(strip(&again), strip(&e));
        }
        Err(err) => {
            prop_assert!(
                err.span.start <= err.span.end && src.get(err.span.start..err.span.end).is_some()
            );
            prop_assert!(!err.message.is_empty());
            let _ = err.render(src);
            let _ = err.to_string();
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn display_then_parse_round_trips(e in arb_expr()) {
        let text = e.to_string();
        let parsed = parse(&text).map_err(|err| TestCaseError::fail(format!("{text}\n{}\n{err}", err.render(&text))))?;
        prop_assert_eq!(strip(&parsed), e, "{}", text);
        // The canonical form is a fixed point.
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn arbitrary_strings_never_panic(src in "\\PC{0,40}") {
        check_parse(&src)?;
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        check_parse(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn token_soup_never_panics(src in arb_query_text()) {
        check_parse(&src)?;
    }
}
