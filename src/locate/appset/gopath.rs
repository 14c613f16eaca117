//! Go's `path.Match`, which Argo CD's git directories generator matches folders with: `*`
//! matches any run of characters but `/`, `?` one character but `/`, `[...]` a class (`^`
//! negates, `a-z` ranges), `\` escapes; there is no `**` and there are no braces. A malformed
//! pattern is an error (Argo CD logs it and matches nothing with it). Pure.

/// Go's `path.Match`: `*` matches any run of characters but `/`, `?` one character but `/`,
/// `[...]` a class (`^` negates, `a-z` ranges), `\` escapes. No `**`, no braces.
pub(super) fn go_match(pattern: &str, name: &str) -> Result<bool, String> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    matches_at(&p, &n).ok_or_else(|| format!("bad pattern `{pattern}`"))
}

fn matches_at(p: &[char], n: &[char]) -> Option<bool> {
    match p.first() {
        None => Some(n.is_empty()),
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=n.len() {
                if matches_at(rest, &n[i..])? {
                    return Some(true);
                }
                if n.get(i) == Some(&'/') {
                    break;
                }
            }
            // A bad pattern stays an error even when it can't match.
            check(rest)?;
            Some(false)
        }
        Some('?') => match n.first() {
            Some(c) if *c != '/' => matches_at(&p[1..], &n[1..]),
            _ => check(&p[1..]).map(|()| false),
        },
        Some('[') => {
            let (matched, len) = class(&p[1..], n.first().copied())?;
            if matched {
                matches_at(&p[1 + len..], &n[1..])
            } else {
                check(&p[1 + len..]).map(|()| false)
            }
        }
        Some('\\') => {
            let c = *p.get(1)?;
            if n.first() == Some(&c) {
                matches_at(&p[2..], &n[1..])
            } else {
                check(&p[2..]).map(|()| false)
            }
        }
        Some(c) => {
            if n.first() == Some(c) {
                matches_at(&p[1..], &n[1..])
            } else {
                check(&p[1..]).map(|()| false)
            }
        }
    }
}

/// `None` when the rest of a pattern is malformed.
fn check(p: &[char]) -> Option<()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => i += 1 + class(&p[i + 1..], None)?.1,
            '\\' => {
                p.get(i + 1)?;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Some(())
}

/// Whether `c` is in the class that starts after a `[`, and how many characters the class
/// takes up to and including its `]`; `None` when it is malformed. No `c` (the name ended)
/// matches nothing.
fn class(p: &[char], c: Option<char>) -> Option<(bool, usize)> {
    let mut i = 0;
    let negated = p.first() == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let mut lo = *p.get(i)?;
        if lo == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        if lo == '\\' {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|c| *c != ']') {
            hi = p[i + 1];
            if hi == '\\' {
                hi = *p.get(i + 2)?;
                i += 1;
            }
            i += 2;
        }
        if c.is_some_and(|c| lo <= c && c <= hi) {
            matched = true;
        }
    }
    Some((c.is_some() && matched != negated, i))
}
