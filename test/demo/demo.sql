-- The demo: a fraud review queue on a card-transactions table.
--
-- transactions has the shape of the IEEE-CIS fraud data but is synthetic,
-- made by transactions.sql (its header says how, and which frauds it
-- plants).  The autoencoder never sees the labels: it learns what ordinary
-- transactions look like, and the rows it finds most unusual go to the top
-- of a review queue.  Run by `make demo` (100,000 rows) and by
-- test/tap/demo.sh (psql -v rows=10000); it leaves its tables behind for a
-- look afterwards.

\if :{?rows}
\else
\set rows 100000
\endif
\pset footer off
\set QUIET on

-- each step prints its own wall-clock time
\set step_start 'SELECT clock_timestamp() AS t0 \\gset'
\set step_end 'SELECT format(''   (%s s)'', round(extract(epoch FROM clock_timestamp() - :''t0''::timestamptz)::numeric, 1)) AS took \\gset \\echo :took'

\echo
\echo '== The table:' :rows 'synthetic card transactions (the shape of IEEE-CIS; made up, not real)'
:step_start
CREATE EXTENSION IF NOT EXISTS ae;
\ir transactions.sql
SELECT coalesce(fraud_pattern, '(legitimate)') AS fraud_pattern, count(*) AS rows,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct
  FROM transactions GROUP BY fraud_pattern ORDER BY fraud_pattern IS NOT NULL, count(*) DESC;
SELECT transaction_id, amount, product_cd, card4, card6, addr2, p_emaildomain, r_emaildomain,
       m4, m6, country, merchant_category
  FROM transactions ORDER BY transaction_id LIMIT 5;
:step_end

\echo
\echo '== Training with every option at its default (the id is the key; the labels are left out)'
:step_start
SELECT model, kind, rows, inputs, latent, epochs,
       round(train_loss::numeric, 4) AS train_loss, round(val_loss::numeric, 4) AS val_loss,
       round(seconds::numeric, 1) AS seconds
  FROM ae_train('fraud', 'transactions', exclude => ARRAY['is_fraud', 'fraud_pattern']);
:step_end

\echo
\echo '== The review queue: the 20 most unusual transactions and the three columns that made each so'
\echo '   (reasons: column actual -> what the model expected from the rest of the row; (latent): a rare kind of row)'
:step_start
SELECT t.transaction_id AS id, t.amount, t.product_cd AS prod, t.merchant_category AS category,
       t.country, t.p_emaildomain, round(ae_score('fraud', t)::numeric, 1) AS score,
       (SELECT string_agg(CASE WHEN e.actual IS NULL AND e.expected IS NULL THEN e.column_name
                               ELSE format('%s %s -> %s', e.column_name,
                                           coalesce(e.actual, 'NULL'), e.expected) END,
                          '; ' ORDER BY e.contribution DESC)
          FROM (SELECT * FROM ae_explain('fraud', t) ORDER BY contribution DESC LIMIT 3) e) AS reasons,
       coalesce(t.fraud_pattern, '-') AS planted
  FROM transactions t
 ORDER BY ae_score('fraud', t) DESC
 LIMIT 20;
:step_end

\echo
\echo '== The queue of a day, said out loud: the rows whose score is above 99% of the training rows'' scores'
\echo '   (ae_percentile: the score as a percentile of the scores the model recorded when it was trained;'
\echo '   ae_threshold(model, 0.99): the score above which that top 1% lies)'
:step_start
SELECT round(ae_threshold('fraud', 0.99)::numeric, 2) AS "threshold (p 0.99)",
       count(*) AS "rows above it",
       count(*) FILTER (WHERE is_fraud) AS "planted frauds among them",
       round(100.0 * count(*) / (SELECT count(*) FROM transactions), 2) AS "% of the table"
  FROM transactions t
 WHERE ae_percentile('fraud', t) > 0.99;
:step_end

\echo
\echo '== How good is the queue? Review the top 1% by score, or the same number of rows at random'
:step_start
CREATE TABLE scores AS
SELECT transaction_id, ae_score('fraud', t) AS score, is_fraud, fraud_pattern FROM transactions t;
CREATE TABLE catch AS
WITH ranked AS (
    SELECT *, row_number() OVER (ORDER BY score DESC, transaction_id) AS pos,
           ceil(count(*) OVER () / 100.0) AS reviewed
      FROM scores
)
SELECT coalesce(fraud_pattern, 'all planted frauds') AS pattern,
       max(reviewed)::int AS reviewed,
       count(*)::int AS planted,
       count(*) FILTER (WHERE pos <= reviewed)::int AS caught,
       round(count(*) * max(reviewed) / (SELECT count(*) FROM scores), 1) AS random_finds,
       round(count(*) FILTER (WHERE pos <= reviewed) / (count(*) * max(reviewed) / (SELECT count(*) FROM scores)), 1) AS lift,
       round(100.0 * count(*) FILTER (WHERE pos <= reviewed) / count(*), 1) AS pct_of_planted
  FROM ranked
 WHERE is_fraud
 GROUP BY GROUPING SETS ((fraud_pattern), ());
SELECT pattern, reviewed, planted, caught AS "caught in top 1%", random_finds AS "random review finds",
       lift, pct_of_planted AS "% of planted caught"
  FROM catch ORDER BY pattern = 'all planted frauds' DESC, caught DESC;
:step_end

\echo
\echo '== What a row cannot show: card testing is many tiny payments on one card range within minutes,'
\echo '   and one tiny payment at a digital merchant is ordinary.  A column counting the card range''s'
\echo '   payments in the past hour (a window function, in a view) shows it; the same defaults otherwise'
:step_start
CREATE VIEW transactions_velocity AS
SELECT t.*, count(*) OVER (PARTITION BY card1 ORDER BY transaction_dt
                           RANGE BETWEEN 3600 PRECEDING AND CURRENT ROW) AS card1_last_hour
  FROM transactions t;
SELECT model, rows, inputs, round(seconds::numeric, 1) AS seconds
  FROM ae_train('fraud_velocity', 'transactions_velocity',
                exclude => ARRAY['transaction_id', 'is_fraud', 'fraud_pattern']);
CREATE TABLE scores_velocity AS
SELECT transaction_id, ae_score('fraud_velocity', v) AS score FROM transactions_velocity v;
CREATE TABLE catch_velocity AS
WITH ranked AS (
    SELECT s.transaction_id, s.is_fraud, s.fraud_pattern,
           row_number() OVER (ORDER BY v.score DESC, s.transaction_id) AS pos,
           ceil(count(*) OVER () / 100.0) AS reviewed
      FROM scores s JOIN scores_velocity v USING (transaction_id)
)
SELECT coalesce(fraud_pattern, 'all planted frauds') AS pattern,
       count(*) FILTER (WHERE pos <= reviewed)::int AS caught
  FROM ranked
 WHERE is_fraud
 GROUP BY GROUPING SETS ((fraud_pattern), ());
SELECT pattern, c.planted, c.caught AS "top 1%: first model", v.caught AS "top 1%: with card1_last_hour",
       c.random_finds AS "random review finds"
  FROM catch c JOIN catch_velocity v USING (pattern)
 ORDER BY pattern = 'all planted frauds' DESC, c.caught DESC;
:step_end

\echo
\echo '== Filling in missing values: three incoming rows, one cell blanked in each'
:step_start
CREATE TABLE incoming (LIKE transactions);
INSERT INTO incoming (transaction_id, transaction_dt, amount, product_cd, card1, card2, card3, card4,
                      card5, card6, addr1, addr2, p_emaildomain, r_emaildomain,
                      m1, m2, m3, m4, m5, m6, m7, m8, m9, country, merchant_category)
VALUES  -- RU | -15.0 | yandex.ru, the country blanked
       (1, 15800000, -15.0, 'W', 4015, 321, 185, 'visa', 226, 'debit', 287, 43, 'yandex.ru', NULL,
        true, true, true, 'M0', false, true, false, false, true, NULL, 'retail'),
        -- US | 8.3 | gmail.com, the amount blanked
       (2, 15800100, NULL, 'W', 2803, 490, 150, 'visa', 226, 'debit', 204, 87, 'gmail.com', NULL,
        true, true, true, 'M0', false, false, false, false, true, 'US', 'grocery'),
        -- IN | 11.2 | rediff.com, the e-mail domain blanked
       (3, 15800200, 11.2, 'C', 12077, 553, 185, 'mastercard', 224, 'debit', NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, 'M2', NULL, NULL, NULL, NULL, NULL, 'IN', 'digital');
\echo '   (country, amount and p_emaildomain of each row as ae_impute returns it)'
SELECT i.transaction_id AS id, b.blanked, b.was AS "before blanking",
       f.country, round(f.amount::numeric, 2) AS amount, f.p_emaildomain
  FROM incoming i
  JOIN (VALUES (1, 'country', 'RU'), (2, 'amount', '8.3'), (3, 'p_emaildomain', 'rediff.com'))
       AS b(id, blanked, was) ON b.id = i.transaction_id,
  LATERAL ae_impute('fraud', i) f
 ORDER BY 1;
:step_end

\echo
\echo '== One model per merchant category: ae_fit as an aggregate, GROUP BY'
\echo '   (digital and gaming merchants sell no product W, so their match flags m1..m9 are all NULL:'
\echo '   two NOTICEs say their models leave those columns out)'
:step_start
-- six trainings of a few seconds each: their progress NOTICEs would fill the
-- screen, so this step goes without them (ae.progress; the two trainings
-- above showed theirs)
SET ae.progress = off;
CREATE TABLE category_models AS
SELECT merchant_category, count(*) AS rows,
       ae_fit(t, '{"exclude": ["is_fraud", "fraud_pattern", "merchant_category"]}') AS model
  FROM transactions t
 GROUP BY merchant_category;
RESET ae.progress;
-- Each category's rows are scored by its own model and ranked within the
-- category; the whole-table model's ranks within the category beside them.
CREATE TABLE category_catch AS
WITH own AS (
    SELECT merchant_category, t.transaction_id, ae_score(c.model, t) AS score
      FROM transactions t JOIN category_models c USING (merchant_category)
), ranked AS (
    SELECT o.merchant_category, o.score, x.is_fraud,
           row_number() OVER (PARTITION BY o.merchant_category ORDER BY o.score DESC, o.transaction_id) AS pos_own,
           row_number() OVER (PARTITION BY o.merchant_category ORDER BY x.score DESC, o.transaction_id) AS pos_all,
           ceil(count(*) OVER (PARTITION BY o.merchant_category) / 100.0) AS reviewed
      FROM own o JOIN scores x USING (transaction_id)
)
SELECT merchant_category, count(*)::int AS rows, count(*) FILTER (WHERE is_fraud)::int AS planted,
       max(reviewed)::int AS reviewed,
       count(*) FILTER (WHERE is_fraud AND pos_own <= reviewed)::int AS caught_own,
       count(*) FILTER (WHERE is_fraud AND pos_all <= reviewed)::int AS caught_all,
       round(count(*) FILTER (WHERE is_fraud) * max(reviewed) / count(*), 1) AS random_finds,
       round(max(score)::numeric, 1) AS top_score
  FROM ranked GROUP BY merchant_category;
SELECT c.merchant_category AS category, c.rows, (ae_info(m.model)->>'inputs')::int AS inputs,
       round((ae_info(m.model)->'metrics'->>'seconds')::numeric, 1) AS train_s,
       c.top_score, c.planted, c.reviewed AS "top 1%",
       c.caught_own AS "caught: own model", c.caught_all AS "caught: whole-table model",
       c.random_finds AS "random finds"
  FROM category_catch c JOIN category_models m USING (merchant_category)
 ORDER BY c.rows DESC;
:step_end

\echo
\echo '== Pictures: the latent map, every transaction''s code along its two principal axes, coloured by'
\echo '   what was planted (the model never saw it), and the loss of the training'
:step_start
\if :{?picture_dir}
\else
\set picture_dir .
\endif
\set map_file :picture_dir/fraud_map.svg
\set loss_file :picture_dir/fraud_loss.svg
\pset format unaligned
\pset tuples_only on
\o :map_file
SELECT ae_plot('fraud', t, coalesce(t.fraud_pattern, 'legitimate')) FROM transactions t;
\o :loss_file
SELECT ae_plot_loss('fraud');
\o
\pset format aligned
\pset tuples_only off
\echo '   the latent map:' :map_file
\echo '   the training loss:' :loss_file
\echo '   (open them in a browser, or: rsvg-convert fraud_map.svg -o fraud_map.png)'
:step_end
