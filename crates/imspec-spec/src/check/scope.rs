//! What a check may look up: the types, charsets, sources and codes in scope of one file, and
//! the small checks every part uses (a code, a class, a parameter, a request field or path).

use crate::Api;
use crate::decode::{Cx, Map, Scalar, Spanned};
use crate::diag::Diagnostic;
use crate::model::*;

/// The names a file can resolve: its own and, for an API, its vendor's.
pub(crate) struct Scope<'a> {
    pub(crate) types: Vec<&'a Map<TypeDef>>,
    /// An API's file resolves codes through `Api::error`; a vendor file, its own table.
    pub(crate) api: Option<Api<'a>>,
    pub(crate) vendor_errors: &'a Map<ErrorEntry>,
    pub(crate) charsets: Vec<&'a Map<Charset>>,
    pub(crate) sources: Vec<&'a Map<SourceDef>>,
    /// The request root type, for `not_equal` paths.
    pub(crate) request: Option<&'a str>,
}

/// Where a dotted path of wire names leads from a root type.
pub(crate) enum Followed {
    /// To a field of this type.
    To(TypeExpr),
    /// Through a value that is not an object.
    ThroughScalar,
    /// To a name that is not a field (reported).
    Unknown,
}

impl<'a> Scope<'a> {
    /// Follows `keys` (`A.B`) from the type `root`; an unknown name is reported at `path`,
    /// `what` saying what the names should be (`a response field`).
    pub(crate) fn follow(&self, root: &str, keys: &str, path: &Spanned<String>, what: &str, cx: &mut Cx) -> Followed {
        let mut ty = TypeExpr::Named(root.to_owned());
        for key in keys.split('.') {
            let Some(fields) = (match &ty {
                TypeExpr::Named(n) => self.type_def(n).and_then(|d| d.fields.as_ref()),
                _ => None,
            }) else {
                return Followed::ThroughScalar;
            };
            match fields.get(key) {
                Some(f) => ty = f.ty.value.clone(),
                None => {
                    let keys: Vec<String> = fields.keys().collect();
                    let d = Diagnostic::error(&path.loc, format!("`{key}` in `{}` is not {what}", path.value));
                    cx.push(d.suggest(key, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
                    return Followed::Unknown;
                }
            }
        }
        Followed::To(ty)
    }

    pub(crate) fn vendor(v: &'a VendorSpec) -> Self {
        Scope {
            types: vec![&v.types],
            api: None,
            vendor_errors: &v.errors,
            charsets: vec![&v.charsets],
            sources: vec![&v.sources],
            request: None,
        }
    }

    pub(crate) fn api(api: Api<'a>) -> Self {
        Scope {
            types: vec![&api.spec.types, &api.vendor.types],
            api: Some(api),
            vendor_errors: &api.vendor.errors,
            charsets: vec![&api.spec.charsets, &api.vendor.charsets],
            sources: vec![&api.spec.sources, &api.vendor.sources],
            request: Some(&api.spec.request.value),
        }
    }

    pub(crate) fn type_def(&self, name: &str) -> Option<&'a TypeDef> {
        self.types.iter().find_map(|m| m.get(name))
    }

    pub(crate) fn type_names(&self) -> Vec<String> {
        self.types.iter().flat_map(|m| m.keys()).collect()
    }

    /// A code's entry, the API's own first (`Api::error`).
    pub(crate) fn error(&self, code: &Code) -> Option<&'a ErrorEntry> {
        match self.api {
            Some(api) => api.error(code),
            None => self.vendor_errors.get(&code.to_string()),
        }
    }

    pub(crate) fn has_code(&self, code: &Code) -> bool {
        self.error(code).is_some()
    }

    pub(crate) fn code_names(&self) -> Vec<String> {
        let own = self.api.map(|api| api.spec.errors.keys().collect::<Vec<_>>()).unwrap_or_default();
        own.into_iter().chain(self.vendor_errors.keys()).collect()
    }

    /// The fields of an object type reached by `ty`, or of its array element.
    pub(crate) fn object_fields(&self, ty: &TypeExpr) -> Option<&'a Map<Field>> {
        match ty {
            TypeExpr::Named(n) => self.type_def(n)?.fields.as_ref(),
            TypeExpr::Array(inner) => self.object_fields(inner),
            _ => None,
        }
    }

    /// Whether `ty` ends in a scalar (string, integer, boolean, string_or_integer, or an enum).
    pub(crate) fn is_scalar(&self, ty: &TypeExpr) -> bool {
        match ty {
            TypeExpr::String | TypeExpr::Integer | TypeExpr::Boolean | TypeExpr::StringOrInteger => true,
            TypeExpr::Named(n) => self.type_def(n).is_some_and(|d| d.variants.is_some()),
            TypeExpr::Json | TypeExpr::Array(_) => false,
        }
    }

    pub(crate) fn is_stringy(&self, ty: &TypeExpr) -> bool {
        matches!(ty, TypeExpr::String | TypeExpr::StringOrInteger)
    }

    pub(crate) fn check_code(&self, code: &Spanned<Code>, what: &str, cx: &mut Cx) {
        if !self.has_code(&code.value) {
            let d =
                Diagnostic::error(&code.loc, format!("{what} names code `{}`, which no error table lists", code.value));
            let names = self.code_names();
            cx.push(d.suggest(
                &code.value.to_string(),
                names.iter().map(String::as_str),
                format!("add `{}` to `errors` (in the API or vendor file), or fix the code", code.value),
            ));
        }
    }

    pub(crate) fn check_type_ref(&self, ty: &Spanned<TypeExpr>, cx: &mut Cx) {
        let mut t = &ty.value;
        while let TypeExpr::Array(inner) = t {
            t = inner;
        }
        let TypeExpr::Named(name) = t else { return };
        match self.type_def(name) {
            None => {
                let d = Diagnostic::error(&ty.loc, format!("unknown type `{name}`"));
                let names = self.type_names();
                cx.push(d.suggest(
                    name,
                    names.iter().map(String::as_str),
                    "declare it under `types`, or use a primitive: string, integer, boolean, string_or_integer, json",
                ));
            }
            Some(def) if def.items.is_some() => cx.push(
                Diagnostic::error(&ty.loc, format!("`{name}` is a list type, which only a request body can be"))
                    .help(format!("use `array<{}>`", def.items.as_ref().map_or("…", |i| i.value.as_str()))),
            ),
            Some(_) => {}
        }
    }

    /// The element type of a list type (`items`), when `name` is one.
    pub(crate) fn list_items(&self, name: &str) -> Option<&'a Spanned<String>> {
        self.type_def(name)?.items.as_ref()
    }
}

pub(crate) fn check_scalar_fits(scope: &Scope<'_>, ty: &TypeExpr, value: &Spanned<Scalar>, cx: &mut Cx) {
    let fits = match (ty, &value.value) {
        (TypeExpr::String, Scalar::Str(_))
        | (TypeExpr::Integer, Scalar::Int(_))
        | (TypeExpr::Boolean, Scalar::Bool(_)) => true,
        (TypeExpr::StringOrInteger, Scalar::Str(_) | Scalar::Int(_)) => true,
        (TypeExpr::Named(n), Scalar::Str(_) | Scalar::Int(_)) => scope.type_def(n).is_some_and(|d| {
            let integer = matches!(value.value, Scalar::Int(_));
            d.is_integer_enum() == integer
                && d.variants.as_ref().is_some_and(|v| v.get(&value.value.to_string()).is_some())
        }),
        _ => false,
    };
    if !fits {
        let d = Diagnostic::error(&value.loc, format!("`{}` is not a value of type `{ty}`", value.value));
        let quoted_integer = match (ty, &value.value) {
            (TypeExpr::Named(n), Scalar::Str(s)) => {
                scope.type_def(n).is_some_and(|d| d.is_integer_enum()) && s.parse::<i64>().is_ok()
            }
            _ => false,
        };
        cx.push(match quoted_integer {
            true => d.help(format!("`{ty}` travels as integers: write {} without quotes", value.value)),
            false => d,
        });
    }
}

/// A `$.A.B` path must lead through the request's object types to a scalar.
pub(crate) fn check_request_path(scope: &Scope<'_>, path: &Spanned<String>, cx: &mut Cx) {
    let Some(rest) = path.value.strip_prefix("$.") else {
        cx.push(
            Diagnostic::error(&path.loc, format!("`{}` is not a `$.`-path", path.value)).help("write e.g. `$.Owner`"),
        );
        return;
    };
    let Some(root) = scope.request else {
        cx.push(Diagnostic::error(&path.loc, "`not_equal` is only meaningful in an API's request types"));
        return;
    };
    let ty = match scope.follow(root, rest, path, "a field", cx) {
        Followed::To(ty) => ty,
        Followed::ThroughScalar => {
            cx.push(Diagnostic::error(&path.loc, format!("`{}` does not lead through objects", path.value)));
            return;
        }
        Followed::Unknown => return,
    };
    if !scope.is_scalar(&ty) {
        cx.push(Diagnostic::error(&path.loc, format!("`{}` is not a scalar field", path.value)));
    }
}

/// A name the spec uses as a path or query parameter must be declared under `endpoint.params`.
pub(crate) fn check_param(spec: &ApiSpec, param: &Spanned<String>, cx: &mut Cx) {
    if spec.endpoint.params.get(&param.value).is_none() {
        let keys: Vec<String> = spec.endpoint.params.keys().collect();
        let d = Diagnostic::error(&param.loc, format!("`{}` is not a parameter of the endpoint", param.value));
        cx.push(d.suggest(&param.value, keys.iter().map(String::as_str), "declare it under `endpoint.params`"));
    }
}

/// A name the spec uses as a request field must be one (`request`: the request's fields, when
/// its type resolved).
pub(crate) fn check_request_field(request: Option<&Map<Field>>, field: &Spanned<String>, cx: &mut Cx) {
    if let Some(fields) = request
        && fields.get(&field.value).is_none()
    {
        let keys: Vec<String> = fields.keys().collect();
        let d = Diagnostic::error(&field.loc, format!("`{}` is not a field of the request", field.value));
        cx.push(d.suggest(&field.value, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
    }
}

/// A code the vocabulary gives a meaning must have the matching class in the error table.
pub(crate) fn check_class(scope: &Scope<'_>, code: &Spanned<Code>, class: ErrorClass, cx: &mut Cx) {
    if let Some(e) = scope.error(&code.value)
        && e.class.value != class
    {
        cx.push(Diagnostic::error(
            &code.loc,
            format!("code {} is classed `{}`, not `{class}`", code.value, e.class.value),
        ));
    }
}
