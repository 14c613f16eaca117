//! Outside text as data: one escaping function per kind of output, applied by the renderers
//! wherever text from outside the tool (names, namespaces, paths, reasons and findings that
//! quote them, notice fields, answers from servers) is shown. The producers keep the raw strings
//! (the JSON reports hold them as they are; JSON escaping is serde's job); only what is shown
//! is escaped, and a report's own structure (its line breaks, table pipes, headings, code spans)
//! is never touched. Text without anything to escape comes out byte for byte as it went in.
//!
//! - [`text`]: terminals, CI logs and stderr. Control characters (line breaks, tabs, ESC, DEL,
//!   C1), Unicode bidi controls and line separators are shown escaped (`\n`, `\x1b`,
//!   `\u{202e}`), so outside text never starts a line (no `::workflow-command::` can begin
//!   one), never moves the cursor, clears the screen or sets a terminal's title, and never
//!   reorders what is shown.
//! - [`line`]: a line that is outside text from its start (a line of a unified diff, a line of
//!   a usage error quoting an argument): as [`text`] but keeping tabs (a manifest's content)
//!   and a CRLF line's CR, and a line whose text starts with `::` (a diff's context line shows
//!   the manifest's line after one space, which the runner trims) gets its first `:` shown as
//!   `\x3a`.
//! - [`markdown`]: outside text, or a message quoting it, in GitHub-flavoured markdown (the
//!   pull request body, the step summary, the review comment). Its code spans stay code spans
//!   (their content is literal to the renderer); everywhere else the characters that would make
//!   markup are escaped: `\ * _ ~ $` with a backslash, `< > &` as entities, an unmatched
//!   backtick, `]` before `(` (a link or an image), and at the start a `[`, `-`, `+`, `=` or
//!   `1.` that would start a block ([`markdown_inline`], for text after other text on its line
//!   or in a table cell, leaves those); `@` (a mention, which notifies), `#` (an issue
//!   reference, or a heading) and `://` (a bare link) get a zero-width space after them. Line
//!   breaks are shown escaped as in [`text`], so nothing from outside starts a line: no
//!   heading, list, quote, table, HTML block or fence.
//! - [`markdown_code`]: outside text as one code span, fenced with more backticks than it
//!   holds in a row.
//! - [`markdown_cell`]: a table cell made of escaped markdown (its pipes escaped).
//! - [`markdown_url`]: a link's destination: http(s) only, with the characters that would end
//!   it percent-encoded.
//!
//! Workflow commands (annotations) are escaped in [`crate::actions`]: [`text`], then the
//! runner's own `%`-escapes for the message and the properties.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A zero-width space, as an HTML entity: after `@`, `#` or `:`, it breaks a mention, an issue
/// reference or a bare link, and shows nothing.
const ZWSP: &str = "&#8203;";

/// Whether `c` is shown escaped in text: control characters (C0 with tab and line breaks, DEL,
/// C1), bidi controls and Unicode line and paragraph separators.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn push_hidden(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// Outside text for a terminal, a CI log or stderr: control characters, bidi controls and line
/// separators shown escaped (`\n`, `\x1b`, `\u{202e}`).
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            push_hidden(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line (without its `\n`) that is outside text from its start, for a terminal or a CI log:
/// as [`text`], but tabs and the CR of a CRLF line stay, and a line whose text starts with `::`
/// gets its first `:` shown as `\x3a`, so that the runner, which trims leading spaces, can't
/// read it as a workflow command.
pub fn line(line: &str) -> Cow<'_, str> {
    let (body, cr) = line.strip_suffix('\r').map_or((line, ""), |b| (b, "\r"));
    let command = body.trim_start().starts_with("::");
    if !command && !body.chars().any(|c| c != '\t' && hidden(c)) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut first_colon = command;
    for c in body.chars() {
        if c == ':' && first_colon {
            out.push_str("\\x3a");
            first_colon = false;
        } else if c != '\t' && hidden(c) {
            push_hidden(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out.push_str(cr);
    Cow::Owned(out)
}

/// Outside text, or a message quoting it, in GitHub-flavoured markdown, where it may start a
/// block (a list item's text, a quote): see the module documentation. Code spans are kept as
/// the renderer reads them (a run of backticks closed by a run of the same length); what is
/// outside them is escaped.
pub fn markdown(s: &str) -> String {
    escape_markdown(s, true)
}

/// [`markdown`] for text that follows other text on its line, or fills a table cell: what
/// would only start a block at the start of a line (`-`, `1.`) is left as it is.
pub fn markdown_inline(s: &str) -> String {
    escape_markdown(s, false)
}

fn escape_markdown(s: &str, block: bool) -> String {
    let s = text(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    if block {
        block_start(&chars, &mut out, &mut i);
    }
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '`' => {
                let run = backticks(&chars, i);
                match closing(&chars, i + run, run) {
                    Some(end) => {
                        out.extend(&chars[i..end + run]);
                        i = end + run;
                    }
                    None => {
                        for _ in 0..run {
                            out.push_str("\\`");
                        }
                        i += run;
                    }
                }
                continue;
            }
            '\\' | '*' | '_' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' | '#' => {
                out.push(c);
                out.push_str(ZWSP);
            }
            ']' if next == Some('(') => out.push_str("\\]"),
            ':' if next == Some('/') && chars.get(i + 2) == Some(&'/') => {
                out.push(':');
                out.push_str(ZWSP);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// What would start a block at the start of the text (after a list marker, in a quote): a link
/// reference definition or task box (`[`), a list (`-`, `+`, `1.`, `1)`), a thematic break.
fn block_start(chars: &[char], out: &mut String, i: &mut usize) {
    match chars.first() {
        Some(c @ ('[' | '-' | '+' | '=')) => {
            out.push('\\');
            out.push(*c);
            *i = 1;
        }
        Some(c) if c.is_ascii_digit() => {
            let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
            if let Some(marker @ ('.' | ')')) = chars.get(digits)
                && chars.get(digits + 1).is_none_or(|c| *c == ' ')
            {
                out.extend(&chars[..digits]);
                out.push('\\');
                out.push(*marker);
                *i = digits + 1;
            }
        }
        _ => {}
    }
}

/// How many backticks in a row start at `at`.
fn backticks(chars: &[char], at: usize) -> usize {
    chars[at..].iter().take_while(|c| **c == '`').count()
}

/// Where the run of exactly `run` backticks that closes a code span opened before `from` starts.
fn closing(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '`' {
            let len = backticks(chars, i);
            if len == run {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// Outside text as one markdown code span: its control characters shown escaped, fenced with
/// one backtick more than its longest run, padded with a space when it starts or ends with a
/// backtick or a space (which the renderer would take off).
pub fn markdown_code(s: &str) -> String {
    if s.is_empty() {
        return "` `".to_owned();
    }
    let s = text(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A table cell made of escaped markdown: pipes would end the cell, in code spans too.
pub fn markdown_cell(md: &str) -> Cow<'_, str> {
    if md.contains('|') {
        Cow::Owned(md.replace('|', "\\|"))
    } else {
        Cow::Borrowed(md)
    }
}

/// A link destination from outside (a URL a server answered with): `None` unless it is http or
/// https; spaces, brackets, quotes, backslashes, control and non-ASCII characters are
/// percent-encoded, so the destination can't end early or carry markup.
pub fn markdown_url(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_alphanumeric() || "-._~:/?#@!$&*+,;=%".contains(c) {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    Some(out)
}

/// Outside text in a markdown table cell: escaped as inline text, its pipes and line breaks
/// too.
pub(crate) fn markdown_text_cell(text: &str) -> String {
    markdown_cell(&markdown_inline(text)).into_owned()
}

/// A word for a POSIX shell: as it is when it holds only characters no shell reads, else in
/// single quotes. Control characters are shown escaped first: a command that can't hold them
/// must not run something else.
pub(crate) fn shell_word(word: &str) -> String {
    let word = text(word);
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/@%+=,-".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_control_characters_escaped() {
        assert_eq!(text("shop/web-1"), "shop/web-1");
        assert!(matches!(text("apps/shop/web.yaml"), Cow::Borrowed(_)));
        assert_eq!(
            text("missing\n::error file=x::Spoofed"),
            "missing\\n::error file=x::Spoofed"
        );
        assert_eq!(
            text("a\r\tb\x1b]0;title\x07\x1b[2J\x7f"),
            "a\\r\\tb\\x1b]0;title\\x07\\x1b[2J\\x7f"
        );
        assert_eq!(
            text("\u{202e}txt.exe\u{2028}\u{85}"),
            "\\u{202e}txt.exe\\u{2028}\\u{85}"
        );
        assert_eq!(text("naïve ✓"), "naïve ✓");
    }

    #[test]
    fn lines_keep_tabs_and_crlf_and_never_start_a_command() {
        assert_eq!(line(" \tkey: value\r"), " \tkey: value\r");
        assert_eq!(
            line("   ::add-mask::x"),
            "   \\x3a:add-mask::x",
            "the runner trims leading spaces"
        );
        assert_eq!(line("+  ::x"), "+  ::x", "a + line starts with +");
        assert_eq!(line(" a\rb\x1b[2J"), " a\\rb\\x1b[2J");
    }

    #[test]
    fn markdown_leaves_ordinary_text_and_code_spans_alone() {
        for s in [
            "2 manifests could define it: apps/search/prod/search.yaml:3; map clusters to paths \
             in .gitops-restart.yaml (clusters: NAME: paths: [...]) or pass --cluster",
            "`../x` does not exist",
            "watch `kubectl rollout status -n shop deployment/frontend`",
            "not valid YAML (illegal placement of ':' indicator); fix the file",
        ] {
            assert_eq!(markdown(s), s);
        }
        assert_eq!(markdown("`a|<b>@c`, `` x ` y ``"), "`a|<b>@c`, `` x ` y ``");
    }

    #[test]
    fn markdown_neutralises_markup_from_outside() {
        assert_eq!(
            markdown("# Security review: approved by @org/security-team"),
            "#&#8203; Security review: approved by @&#8203;org/security-team"
        );
        assert_eq!(
            markdown("<details><summary>x"),
            "&lt;details&gt;&lt;summary&gt;x"
        );
        assert_eq!(
            markdown("[link](http://evil) ![i](x)"),
            "\\[link\\](http:&#8203;//evil) ![i\\](x)"
        );
        assert_eq!(markdown("a `b"), "a \\`b", "an unmatched backtick");
        assert_eq!(markdown("```sh"), "\\`\\`\\`sh", "no fence");
        assert_eq!(
            markdown("x\n## y\n<!--"),
            "x\\\\n#&#8203;#&#8203; y\\\\n&lt;!--"
        );
        assert_eq!(
            markdown("**b** _i_ ~s~ $x$ \\"),
            "\\*\\*b\\*\\* \\_i\\_ \\~s\\~ \\$x\\$ \\\\"
        );
        assert_eq!(markdown("fixes #12"), "fixes #&#8203;12");
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("1. item"), "1\\. item");
        assert_eq!(markdown("1.yaml"), "1.yaml");
        assert_eq!(markdown("[x]: http://e"), "\\[x]: http:&#8203;//e");
        assert_eq!(markdown("a & b"), "a &amp; b");
        assert_eq!(markdown_inline("- item"), "- item");
        assert_eq!(markdown_inline("[x](y)"), "[x\\](y)");
    }

    #[test]
    fn markdown_code_spans_hold_anything() {
        assert_eq!(markdown_code("prod-eks"), "`prod-eks`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x``"), "``` `x`` ```");
        assert_eq!(markdown_code("a\nb"), "`a\\nb`");
        assert_eq!(markdown_code(""), "` `");
        assert_eq!(markdown_cell("`a|b`"), "`a\\|b`");
    }

    #[test]
    fn urls_are_http_and_cannot_end_early() {
        assert_eq!(
            markdown_url("https://github.com/acme/gitops/pull/1").as_deref(),
            Some("https://github.com/acme/gitops/pull/1")
        );
        assert_eq!(
            markdown_url("https://x/a) [b](c <d>\n").as_deref(),
            Some("https://x/a%29%20%5Bb%5D%28c%20%3Cd%3E%0A")
        );
        assert_eq!(markdown_url("javascript:alert(1)"), None);
    }
}
