#!/usr/bin/env bash
# The pictures render: ae_plot's map and ae_plot_loss's curve, written as
# psql's \o would write them, are converted to PNG by rsvg-convert (librsvg,
# a strict SVG renderer), at the size the SVG declares, and are not blank:
# each differs from the same picture with its points or curves taken out,
# which differs in turn from an empty page of that size.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

command -v rsvg-convert >/dev/null || fail "rsvg-convert is missing (Debian package librsvg2-bin; make deps installs it)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fresh_db ae_plot
q -d ae_plot -c "SELECT * FROM ae_train('peng', 'penguins', exclude => ARRAY['species'], epochs => 40)" >/dev/null \
    || fail "training failed"
q -d ae_plot -c "SELECT * FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], latent => 2, epochs => 40)" >/dev/null \
    || fail "training failed"
# as a user would write them: psql's \o with unaligned, tuples-only output
q -d ae_plot -o "$dir/map.svg" -c "SELECT ae_plot('peng', p, p.species::text) FROM penguins p"
q -d ae_plot -o "$dir/map2.svg" -c "SELECT ae_plot(b, b.class) FROM breastcancer b"
q -d ae_plot -o "$dir/loss.svg" -c "SELECT ae_plot_loss('peng')"

# png_size <file>: "width height" from the PNG's IHDR chunk, or nothing if not a PNG
png_size() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 0
    local w h
    w=$(od -An -tu1 -j16 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
    h=$(od -An -tu1 -j20 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
    echo "$w $h"
}

# an empty page of the pictures' size, for comparison
printf '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="560"><rect width="800" height="560" fill="#ffffff"/></svg>\n' \
    > "$dir/blank.svg"
rsvg-convert "$dir/blank.svg" -o "$dir/blank.png" || fail "rsvg-convert cannot render an empty page"

for pic in map map2 loss; do
    svg=$dir/$pic.svg
    [ -s "$svg" ] || fail "$pic: no SVG written"
    rsvg-convert "$svg" -o "$dir/$pic.png" 2> "$dir/$pic.err" || fail "$pic: rsvg-convert failed: $(cat "$dir/$pic.err")"
    size=$(png_size "$dir/$pic.png")
    [ "$size" = "800 560" ] || fail "$pic: PNG of size '$size', expected 800 560"
    # the data taken out: circles of the map, polylines of the curve
    grep -v -e '^<circle cx=' -e '^<polyline ' "$svg" > "$dir/$pic-bare.svg"
    [ "$(wc -l < "$dir/$pic-bare.svg")" -lt "$(wc -l < "$svg")" ] || fail "$pic: no points or curves in the SVG"
    rsvg-convert "$dir/$pic-bare.svg" -o "$dir/$pic-bare.png" || fail "$pic: the picture without its data does not render"
    ! cmp -s "$dir/$pic.png" "$dir/$pic-bare.png" || fail "$pic: the points or curves draw nothing"
    ! cmp -s "$dir/$pic-bare.png" "$dir/blank.png" || fail "$pic: axes and legend draw nothing"
    # a drawn picture compresses far worse than an empty page
    [ "$(stat -c %s "$dir/$pic.png")" -gt $((4 * $(stat -c %s "$dir/blank.png"))) ] \
        || fail "$pic: PNG of $(stat -c %s "$dir/$pic.png") bytes, nearly blank"
    ok "$pic renders to an 800×560 PNG that is not blank ($(stat -c %s "$dir/$pic.png") bytes)"
done

# a map of the maximum number of points stays a size a renderer handles
q -d ae_plot -c "CREATE TABLE bc_many AS SELECT b.* FROM breastcancer b, generate_series(1, 20)"
q -d ae_plot -o "$dir/big.svg" -c "SELECT ae_plot('bc', b, b.class) FROM bc_many b"
[ "$(grep -c '^<circle cx=' "$dir/big.svg")" = 10000 ] || fail "big: not 10,000 points"
[ "$(stat -c %s "$dir/big.svg")" -lt 600000 ] || fail "big: $(stat -c %s "$dir/big.svg") bytes of SVG"
rsvg-convert "$dir/big.svg" -o "$dir/big.png" || fail "big: rsvg-convert failed"
[ "$(png_size "$dir/big.png")" = "800 560" ] || fail "big: PNG of the wrong size"
ok "10,000 points: $(stat -c %s "$dir/big.svg") bytes of SVG, renders"

dropdb ae_plot
