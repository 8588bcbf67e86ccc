-- Typed tables for the shared data sets; run from the repository root (psql \copy paths).
CREATE TABLE pima (
    id serial PRIMARY KEY,
    pregnant int, glucose int, pressure int, triceps int, insulin int,
    mass float8, pedigree float8, age int, diabetes text
);
\copy pima (pregnant, glucose, pressure, triceps, insulin, mass, pedigree, age, diabetes) FROM 'test/data/pima.csv' WITH (FORMAT csv, HEADER true, NULL '')

CREATE TABLE breastcancer (
    id text, cl_thickness int, cell_size int, cell_shape int, marg_adhesion int,
    epith_c_size int, bare_nuclei int, bl_cromatin int, normal_nucleoli int, mitoses int,
    class text
);
\copy breastcancer FROM 'test/data/breastcancer.csv' WITH (FORMAT csv, HEADER true, NULL '')

CREATE TABLE ionosphere (
    v1 int, v2 int, v3 float8, v4 float8, v5 float8, v6 float8, v7 float8, v8 float8,
    v9 float8, v10 float8, v11 float8, v12 float8, v13 float8, v14 float8, v15 float8,
    v16 float8, v17 float8, v18 float8, v19 float8, v20 float8, v21 float8, v22 float8,
    v23 float8, v24 float8, v25 float8, v26 float8, v27 float8, v28 float8, v29 float8,
    v30 float8, v31 float8, v32 float8, v33 float8, v34 float8, class text
);
\copy ionosphere FROM 'test/data/ionosphere.csv' WITH (FORMAT csv, HEADER true, NULL '')

CREATE TYPE penguin_species AS ENUM ('Adelie', 'Chinstrap', 'Gentoo');
CREATE TABLE penguins (
    id serial PRIMARY KEY,
    species penguin_species, island text, bill_length_mm float8, bill_depth_mm float8,
    flipper_length_mm int, body_mass_g int, sex text
);
\copy penguins (species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex) FROM 'test/data/penguins.csv' WITH (FORMAT csv, HEADER true, NULL '')
