-- A synthetic card-transactions table with the shape of the IEEE-CIS fraud
-- data (Kaggle, 2019), for the demo.  The rows are made up: no row comes
-- from real data.  psql script; `rows` (default 100000) sets the size:
--
--     psql -v rows=100000 -f test/demo/transactions.sql
--
-- creates the functions tx_u, tx_normal, tx_cum, tx_pick and
-- transactions_synthetic(n), and the table transactions from it.
--
-- Deterministic on any machine and under any plan: every value is a
-- function of the row number and a field number alone, through a 64-bit hash
-- of the two (hashint8extended, PostgreSQL's own integer hash), so the same
-- n gives the same rows whatever the order, parallelism or platform.  The
-- arithmetic avoids libm (a normal deviate is a sum of four uniforms, the
-- exponential is numeric's), whose last bits differ between systems.
--
-- The columns follow IEEE-CIS's transaction table: transaction_id,
-- transaction_dt (seconds from a reference, six months), amount
-- (TransactionAmt), product_cd (W 68%, C 16%, R 8%, H 5%, S 3%), card1 (the
-- card's issuer range), card2, card3 (150 for a card issued in North
-- America, 185 elsewhere), card4 (network), card5, card6 (debit, credit),
-- addr1 (billing region), addr2 (billing country code), p_emaildomain and
-- r_emaildomain (purchaser, recipient), m1..m9 (match flags: m4 is M0, M1
-- or M2 as in the real data, the others booleans); plus country and
-- merchant_category, which IEEE-CIS does not have, and the labels is_fraud
-- and fraud_pattern (NULL for a legitimate row).  NULLs fall where they fall
-- in the real data: addresses for product C and S, the purchaser's domain in
-- one row of seven, the recipient's domain unless the product is C (or H, S,
-- R some of the time), the match flags outside product W and in about half
-- of its rows.
--
-- What ties the columns together, for a model to learn:
--   country      -> addr2 (one code per country), addr1 (a range per
--                   country), card3, the e-mail domains (yandex.ru and
--                   mail.ru in RU, rediff.com and yahoo.co.in in IN, web.de
--                   and gmx.de in DE, gmail.com, yahoo.com, hotmail.com,
--                   anonymous.com, aol.com... in US)
--   merchant_category -> product_cd, amount (a log-normal per category;
--                   product R, H and S shift it)
--   card1        -> card4 (ranges per network), card6, card2, card5
--   product_cd   -> which of addr, r_emaildomain and m1..m9 are NULL
--   m1..m9       -> a hidden "the customer's details match" draw behind
--                   m2, m3, m6, m7, m8, m9
--   amount cents -> US prices end in .99 or .00 or any cents; elsewhere
--                   converted amounts with three decimals
-- Legitimate refunds (negative amounts) are 2% of retail and electronics
-- purchases of product W.
--
-- Planted fraud, 2.3% of the rows, labelled in fraud_pattern:
--   card_testing      ~0.7%  bursts: in one block of 50 consecutive rows in
--                            80, about 60% of the rows test one stolen card
--                            range (one card1) at one digital or gaming
--                            merchant, about every 20 seconds, product C,
--                            amounts under 5, mostly no address,
--                            anonymous.com or no e-mail domain
--   account_takeover  ~0.8%  a real customer's card and address, but the
--                            purchaser's domain is a foreign or anonymous one
--                            (mail.ru, yandex.ru, protonmail.com,
--                            anonymous.com, outlook.com), goods sent to
--                            another recipient domain, match flags failing,
--                            2-6 times the usual amount, half in electronics
--   high_amount       ~0.5%  8-30 times the category's usual amount, with a
--                            product the category does not sell (H or S in
--                            grocery, C in travel, R in digital...)
--   refund_fraud      ~0.3%  a credit (negative amount, whole or half
--                            units: -15.0) at a merchant that does not refund
--                            (digital, gaming) or in electronics, on a
--                            credit card, with failing match flags
-- The shares are of the expected rows; a given n has its own counts.

\if :{?rows}
\else
\set rows 100000
\endif

-- uniform on [0, 1) from a key and a field number: 53 bits of the hash
CREATE FUNCTION tx_u(key bigint, field int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashint8extended(key, field) & 9007199254740991)::float8 / 9007199254740992
$$;

-- about N(0, 1): the sum of four uniforms, centred and scaled (Irwin–Hall)
CREATE FUNCTION tx_normal(key bigint, field int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (tx_u(key, field) + tx_u(key, field + 1000) + tx_u(key, field + 2000)
            + tx_u(key, field + 3000) - 2) * 1.7320508075688772
$$;

-- the lower bounds of the buckets of weights w, scaled to [0, 1)
CREATE FUNCTION tx_cum(w float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(lo / total ORDER BY o)
      FROM (SELECT o, coalesce(sum(x) OVER (ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING
                                                      AND 1 PRECEDING), 0) AS lo,
                   sum(x) OVER () AS total
              FROM unnest(w) WITH ORDINALITY AS t(x, o)) b
$$;

-- one of items, drawn by u with the given weights (NULL items allowed);
-- inlined, and tx_cum of constant weights folded once at plan time
CREATE FUNCTION tx_pick(u float8, items text[], weights float8[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT items[width_bucket(u, tx_cum(weights))]
$$;

-- a purchaser's or recipient's e-mail domain in a country, drawn by u
CREATE FUNCTION tx_email(country text, u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE country
      WHEN 'US' THEN tx_pick(u, '{gmail.com,yahoo.com,hotmail.com,anonymous.com,aol.com,comcast.net,icloud.com,outlook.com,att.net,msn.com}',
                             '{0.40,0.18,0.09,0.07,0.06,0.05,0.05,0.04,0.03,0.03}')
      WHEN 'MX' THEN tx_pick(u, '{yahoo.com.mx,hotmail.com,gmail.com,live.com.mx,prodigy.net.mx}', '{0.3,0.3,0.25,0.1,0.05}')
      WHEN 'CA' THEN tx_pick(u, '{gmail.com,hotmail.com,yahoo.ca,outlook.com,rogers.com}', '{0.4,0.25,0.15,0.1,0.1}')
      WHEN 'GB' THEN tx_pick(u, '{gmail.com,hotmail.co.uk,yahoo.co.uk,outlook.com}', '{0.4,0.25,0.2,0.15}')
      WHEN 'DE' THEN tx_pick(u, '{web.de,gmx.de,gmail.com,yahoo.de}', '{0.35,0.3,0.25,0.1}')
      WHEN 'FR' THEN tx_pick(u, '{gmail.com,orange.fr,hotmail.fr,yahoo.fr}', '{0.35,0.3,0.2,0.15}')
      WHEN 'BR' THEN tx_pick(u, '{gmail.com,hotmail.com,uol.com.br}', '{0.5,0.3,0.2}')
      WHEN 'IN' THEN tx_pick(u, '{gmail.com,rediff.com,yahoo.co.in}', '{0.5,0.35,0.15}')
      ELSE tx_pick(u, '{yandex.ru,mail.ru,gmail.com}', '{0.45,0.35,0.2}')
    END
$$;

CREATE FUNCTION transactions_synthetic(n bigint)
RETURNS TABLE (
    transaction_id bigint, transaction_dt int, amount float8, product_cd text,
    card1 int, card2 int, card3 int, card4 text, card5 int, card6 text,
    addr1 int, addr2 int, p_emaildomain text, r_emaildomain text,
    m1 bool, m2 bool, m3 bool, m4 text, m5 bool, m6 bool, m7 bool, m8 bool, m9 bool,
    country text, merchant_category text, is_fraud bool, fraud_pattern text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- planned as one query the stages make one large expression, which JIT
-- compiles for longer than the rows take
SET jit = off AS $$
WITH
-- which rows are fraud, and of what pattern; a card-testing burst is a block
-- of 50 consecutive rows
pattern AS MATERIALIZED (
    SELECT i, (i - 1) / 50 AS block,
           CASE WHEN tx_u((i - 1) / 50, 1) < 0.0125 AND tx_u(i, 2) < 0.6 THEN 'card_testing'
                WHEN tx_u(i, 3) < 0.008 THEN 'account_takeover'
                WHEN tx_u(i, 3) < 0.013 THEN 'high_amount'
                WHEN tx_u(i, 3) < 0.016 THEN 'refund_fraud'
           END AS fraud
      FROM generate_series(1, n) AS g(i)
),
-- who and where: the country, the merchant's category, the product
who AS MATERIALIZED (
    SELECT p.*, c.country, c.category,
           CASE
             WHEN fraud = 'card_testing' THEN 'C'
             WHEN fraud = 'high_amount' THEN CASE c.category
                  WHEN 'grocery' THEN tx_pick(tx_u(i, 8), '{H,S}', '{1,1}')
                  WHEN 'retail' THEN tx_pick(tx_u(i, 8), '{H,S}', '{1,1}')
                  WHEN 'electronics' THEN 'H'
                  WHEN 'travel' THEN 'C'
                  ELSE 'R' END
             ELSE CASE c.category
                  WHEN 'retail' THEN tx_pick(tx_u(i, 8), '{W,R}', '{0.95,0.05}')
                  WHEN 'grocery' THEN 'W'
                  WHEN 'electronics' THEN tx_pick(tx_u(i, 8), '{W,R}', '{0.7,0.3}')
                  WHEN 'travel' THEN tx_pick(tx_u(i, 8), '{H,R,W}', '{0.6,0.3,0.1}')
                  WHEN 'digital' THEN tx_pick(tx_u(i, 8), '{C,S}', '{0.85,0.15}')
                  ELSE tx_pick(tx_u(i, 8), '{C,S,H}', '{0.75,0.15,0.1}') END
           END AS product_cd
      FROM pattern p,
      LATERAL (SELECT
           CASE WHEN fraud = 'card_testing' THEN tx_pick(tx_u(block, 4),
                    '{US,MX,CA,GB,DE,FR,BR,IN,RU}', '{0.5,0.05,0.05,0.05,0.05,0.05,0.1,0.05,0.1}')
                ELSE tx_pick(tx_u(i, 5),
                    '{US,MX,CA,GB,DE,FR,BR,IN,RU}', '{0.78,0.05,0.03,0.03,0.02,0.02,0.02,0.03,0.02}')
           END AS country,
           CASE WHEN fraud = 'card_testing' THEN tx_pick(tx_u(block, 6), '{digital,gaming}', '{0.6,0.4}')
                WHEN fraud = 'refund_fraud' THEN tx_pick(tx_u(i, 7),
                    '{digital,gaming,electronics}', '{0.4,0.3,0.3}')
                WHEN fraud = 'account_takeover' AND tx_u(i, 42) < 0.5 THEN 'electronics'
                ELSE tx_pick(tx_u(i, 7), '{retail,grocery,electronics,travel,digital,gaming}',
                             '{0.40,0.20,0.12,0.08,0.12,0.08}')
           END AS category) c
),
-- the card: a network, then an issuer range (card1) within the network's
-- ranges, popular ranges drawn more often; a burst tests one range
card AS MATERIALIZED (
    SELECT w.*, k.card1,
           CASE WHEN k.card1 < 10000 THEN 'visa' WHEN k.card1 < 16500 THEN 'mastercard'
                WHEN k.card1 < 17400 THEN 'american express' ELSE 'discover' END AS card4
      FROM who w,
      LATERAL (SELECT CASE net
                 WHEN 'visa' THEN 1000 + floor(9000 * tx_u(key, 10) * tx_u(key, 10) * tx_u(key, 10))
                 WHEN 'mastercard' THEN 10000 + floor(6500 * tx_u(key, 10) * tx_u(key, 10) * tx_u(key, 10))
                 WHEN 'american express' THEN 16500 + floor(900 * tx_u(key, 10) * tx_u(key, 10))
                 ELSE 17400 + floor(1000 * tx_u(key, 10) * tx_u(key, 10)) END::int AS card1
                 FROM (SELECT CASE WHEN fraud = 'card_testing' THEN -1 - block ELSE i END AS key) kk,
                 LATERAL (SELECT tx_pick(tx_u(key, 9),
                        '{visa,mastercard,american express,discover}',
                        '{0.65,0.32,0.015,0.015}') AS net) nn) k
),
-- the rest of the row but the amount and the match flags
detail AS MATERIALIZED (
    SELECT c.*,
           CASE WHEN card4 IN ('american express', 'discover') THEN 'credit'
                WHEN tx_u(card1, 11) < 0.75 THEN 'debit' ELSE 'credit' END AS card6,
           CASE WHEN tx_u(i, 12) < 0.015 THEN NULL
                ELSE 100 + floor(500 * tx_u(card1, 12)) END::int AS card2,
           CASE WHEN country IN ('US', 'CA') THEN
                     CASE WHEN tx_u(i, 13) < 0.95 THEN 150 ELSE 185 END
                ELSE CASE WHEN tx_u(i, 13) < 0.9 THEN 185 WHEN tx_u(i, 13) < 0.95 THEN 144 ELSE 150 END
           END AS card3,
           -- no address: mostly for products C and S, and for card testing
           tx_u(i, 14) < CASE WHEN fraud = 'card_testing' THEN 0.8
                              WHEN product_cd IN ('C', 'S') THEN 0.75
                              WHEN product_cd = 'H' THEN 0.3 ELSE 0.06 END AS no_addr,
           CASE fraud
             WHEN 'card_testing' THEN tx_pick(tx_u(i, 15),
                  '{anonymous.com,NULL,gmail.com,protonmail.com}', '{0.45,0.25,0.2,0.1}')
             WHEN 'account_takeover' THEN tx_pick(tx_u(i, 15),
                  '{mail.ru,yandex.ru,protonmail.com,anonymous.com,outlook.com}', '{0.2,0.15,0.25,0.25,0.15}')
             ELSE CASE WHEN tx_u(i, 16) < CASE WHEN product_cd = 'W' THEN 0.17 ELSE 0.05 END THEN NULL
                  ELSE tx_email(country, tx_u(i, 15)) END
           END AS p_emaildomain,
           tx_u(i, 17) < CASE WHEN fraud = 'account_takeover' THEN 0.8
                              WHEN product_cd = 'C' THEN 0.75 WHEN product_cd IN ('H', 'S') THEN 0.5
                              WHEN product_cd = 'R' THEN 0.3 ELSE 0.02 END AS has_r,
           tx_u(i, 20) < CASE WHEN fraud IN ('account_takeover', 'refund_fraud') THEN 0.1 ELSE 0.8 END
               AS details_match
      FROM card c
)
SELECT 2987000 + i,
       -- six months in row order; a card-testing burst fires every 20
       -- seconds or so from the start of its block
       CASE WHEN fraud = 'card_testing'
            THEN 86400 + floor(block * 50 * 15724800.0 / n) + (i - 1 - block * 50) * 20
                 + floor(20 * tx_u(i, 30))
            ELSE 86400 + floor((i - 1 + tx_u(i, 30)) * 15724800 / n) END::int,
       -- the amount: a log-normal per category and product, in US price
       -- endings or converted with three decimals; refunds negative
       CASE fraud
         WHEN 'card_testing' THEN coalesce(tx_pick(tx_u(i, 31), '{0.99,1.00,1.50,2.00,NULL}',
                                                   '{0.2,0.25,0.1,0.15,0.3}')::float8,
                                           round((0.5 + 4.49 * tx_u(i, 32))::numeric, 2)::float8)
         WHEN 'refund_fraud' THEN -(5 + floor(45 * tx_u(i, 31)) + CASE WHEN tx_u(i, 32) < 0.3 THEN 0.5 ELSE 0 END)
         ELSE (CASE WHEN product_cd = 'W' AND category IN ('retail', 'electronics')
                         AND fraud IS NULL AND tx_u(i, 33) < 0.02 THEN -1 ELSE 1 END)
              * CASE WHEN country = 'US' THEN
                     CASE WHEN tx_u(i, 32) < 0.4 THEN greatest(floor(base), 0) + 0.99
                          WHEN tx_u(i, 32) < 0.65 THEN greatest(round(base), 1)
                          ELSE round(base, 2) END
                ELSE round(base, 3) END::float8
       END,
       product_cd, card1, card2, card3, card4,
       CASE WHEN tx_u(i, 34) < 0.007 THEN NULL
            WHEN tx_u(i, 35) < 0.05 THEN tx_pick(tx_u(i, 36), '{195,138,126,146}', '{1,1,1,1}')::int
            ELSE CASE card4 WHEN 'visa' THEN CASE card6 WHEN 'debit' THEN 226 ELSE 166 END
                            WHEN 'mastercard' THEN CASE card6 WHEN 'debit' THEN 224 ELSE 117 END
                            WHEN 'american express' THEN 137 ELSE 102 END END,
       card6,
       CASE WHEN no_addr THEN NULL
            WHEN country = 'US' THEN 100 + floor(440 * tx_u(i, 37) * tx_u(i, 37))
            ELSE CASE country WHEN 'CA' THEN 120 WHEN 'MX' THEN 160 WHEN 'GB' THEN 180 WHEN 'DE' THEN 200
                              WHEN 'FR' THEN 220 WHEN 'BR' THEN 240 WHEN 'IN' THEN 260 ELSE 280 END
                 + floor(20 * tx_u(i, 37)) END::int,
       CASE WHEN no_addr THEN NULL
            ELSE CASE country WHEN 'US' THEN 87 WHEN 'CA' THEN 31 WHEN 'MX' THEN 60 WHEN 'GB' THEN 96
                              WHEN 'DE' THEN 65 WHEN 'FR' THEN 69 WHEN 'BR' THEN 29 WHEN 'IN' THEN 102
                              ELSE 43 END END,
       p_emaildomain,
       CASE WHEN NOT has_r THEN NULL
            WHEN fraud = 'account_takeover' THEN tx_pick(tx_u(i, 18),
                 '{gmail.com,hotmail.com,protonmail.com,mail.ru}', '{0.4,0.2,0.2,0.2}')
            WHEN p_emaildomain IS NOT NULL AND tx_u(i, 19) < 0.85 THEN p_emaildomain
            ELSE tx_email(country, tx_u(i, 18)) END,
       -- match flags: m1..m3 and m5..m9 for product W only, each group NULL
       -- in some rows; m4 for W and C
       CASE WHEN product_cd <> 'W' OR tx_u(i, 21) < 0.1 THEN NULL ELSE true END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 21) < 0.1 THEN NULL
            ELSE tx_u(i, 22) < CASE WHEN details_match THEN 0.97 ELSE 0.4 END END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 21) < 0.1 THEN NULL
            ELSE tx_u(i, 23) < CASE WHEN details_match THEN 0.9 ELSE 0.25 END END,
       CASE WHEN product_cd = 'W' THEN
                 CASE WHEN tx_u(i, 24) < 0.45 THEN NULL
                      WHEN NOT details_match THEN tx_pick(tx_u(i, 25), '{M0,M1,M2}', '{0.3,0.2,0.5}')
                      ELSE tx_pick(tx_u(i, 25), '{M0,M1,M2}', '{0.75,0.2,0.05}') END
            WHEN product_cd = 'C' THEN
                 CASE WHEN tx_u(i, 24) < 0.1 THEN NULL
                      ELSE tx_pick(tx_u(i, 25), '{M0,M2}', '{0.3,0.7}') END
       END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 26) < 0.5 THEN NULL ELSE tx_u(i, 27) < 0.45 END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 26) < 0.5 THEN NULL
            ELSE tx_u(i, 28) < CASE WHEN details_match THEN 0.55 ELSE 0.1 END END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 26) < 0.5 THEN NULL ELSE m7 END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 26) < 0.5 THEN NULL
            ELSE tx_u(i, 29) < CASE WHEN m7 THEN 0.7 ELSE 0.25 END END,
       CASE WHEN product_cd <> 'W' OR tx_u(i, 26) < 0.5 THEN NULL
            ELSE tx_u(i, 39) < CASE WHEN details_match THEN 0.9 ELSE 0.35 END END,
       country, category, fraud IS NOT NULL, fraud
  FROM detail d,
  LATERAL (SELECT tx_u(i, 38) < CASE WHEN details_match THEN 0.15 ELSE 0.05 END AS m7) f,
  -- the usual amount of this category and product, before patterns
  LATERAL (SELECT round(CASE category WHEN 'grocery' THEN 38 WHEN 'retail' THEN 65
                                      WHEN 'electronics' THEN 170 WHEN 'travel' THEN 320
                                      WHEN 'digital' THEN 14 ELSE 22 END
                        * CASE product_cd WHEN 'R' THEN 1.3 WHEN 'H' THEN 1.5 WHEN 'C' THEN 0.8
                                          WHEN 'S' THEN 0.6 ELSE 1 END
                        * CASE fraud WHEN 'account_takeover' THEN 2 + 4 * tx_u(i, 40)::numeric
                                     WHEN 'high_amount' THEN 8 + 22 * tx_u(i, 40)::numeric
                                     ELSE 1 END
                        * exp((CASE category WHEN 'grocery' THEN 0.55 WHEN 'travel' THEN 0.7
                                             WHEN 'digital' THEN 0.8 WHEN 'retail' THEN 0.8
                                             ELSE 0.9 END * tx_normal(i, 41))::numeric), 6) AS base) a
 ORDER BY i
$$;

CREATE TABLE transactions AS SELECT * FROM transactions_synthetic(:rows);
ALTER TABLE transactions ADD PRIMARY KEY (transaction_id);
ANALYZE transactions;
