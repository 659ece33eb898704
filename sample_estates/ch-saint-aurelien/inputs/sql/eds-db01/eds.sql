--
-- PostgreSQL database dump
--

-- Dumped from database version 15.6
-- Dumped by pg_dump version 15.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: dblink; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA public;


--
-- Name: postgres_fdw; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS postgres_fdw WITH SCHEMA public;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: dpi_srv; Type: SERVER; Schema: -; Owner: eds
--

CREATE SERVER dpi_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (
    dbname 'dpi',
    host 'dpi-db01.ch-saint-aurelien.local',
    port '5432'
);


ALTER SERVER dpi_srv OWNER TO eds;

--
-- Name: USER MAPPING eds_etl SERVER dpi_srv; Type: USER MAPPING; Schema: -; Owner: eds
--

CREATE USER MAPPING FOR eds_etl SERVER dpi_srv OPTIONS (
    password 'Fdw-Lecture-9921',
    "user" 'eds_fdw'
);


-- Retired in 2024 with the old DPI server; kept for history, never run:
-- CREATE SERVER dpi_old_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'dxcare-db-old.ch-saint-aurelien.local', port '5432', dbname 'dxcare');
-- CREATE USER MAPPING FOR eds_etl SERVER dpi_old_srv OPTIONS (user 'eds', password 'ancien');

--
-- Name: dpi_patient; Type: FOREIGN TABLE; Schema: public; Owner: eds
--

CREATE FOREIGN TABLE public.dpi_patient (
    id_patient integer,
    annee_naissance integer,
    sexe character(1)
)
SERVER dpi_srv
OPTIONS (
    schema_name 'public',
    table_name 'patient'
);


ALTER FOREIGN TABLE public.dpi_patient OWNER TO eds;

--
-- Name: dpi_sejour; Type: FOREIGN TABLE; Schema: public; Owner: eds
--

CREATE FOREIGN TABLE public.dpi_sejour (
    id_sejour integer,
    id_patient integer,
    date_entree timestamp without time zone,
    date_sortie timestamp without time zone,
    uf_responsable character varying(12)
)
SERVER dpi_srv
OPTIONS (
    schema_name 'public',
    table_name 'sejour'
);


ALTER FOREIGN TABLE public.dpi_sejour OWNER TO eds;

--
-- Name: dim_patient; Type: TABLE; Schema: public; Owner: eds
--

CREATE TABLE public.dim_patient (
    patient_sk integer NOT NULL,
    pseudo_id character(64),
    annee_naissance smallint,
    sexe character(1)
);


ALTER TABLE public.dim_patient OWNER TO eds;

--
-- Name: dim_temps; Type: TABLE; Schema: public; Owner: eds
--

CREATE TABLE public.dim_temps (
    temps_sk integer NOT NULL,
    jour date,
    mois smallint,
    annee smallint
);


ALTER TABLE public.dim_temps OWNER TO eds;

--
-- Name: fait_sejour; Type: TABLE; Schema: public; Owner: eds
--

CREATE TABLE public.fait_sejour (
    sejour_sk integer NOT NULL,
    patient_sk integer,
    temps_sk integer,
    uf character varying(12),
    duree_jours integer,
    ghm character varying(6)
);


ALTER TABLE public.fait_sejour OWNER TO eds;

--
-- Name: fait_diagnostic; Type: TABLE; Schema: public; Owner: eds
--

CREATE TABLE public.fait_diagnostic (
    diag_sk integer NOT NULL,
    sejour_sk integer,
    cim10 character varying(8)
);


ALTER TABLE public.fait_diagnostic OWNER TO eds;

--
-- Name: v_diagnostics_dpi; Type: VIEW; Schema: public; Owner: eds
--

CREATE VIEW public.v_diagnostics_dpi AS
 SELECT t.id_sejour,
    t.cim10
   FROM public.dblink('host=dpi-db01.ch-saint-aurelien.local port=5432 dbname=dpi user=eds_fdw password=Fdw-Lecture-9921'::text, 'SELECT id_sejour, cim10 FROM diagnostic'::text) t(id_sejour integer, cim10 character varying(8));


ALTER VIEW public.v_diagnostics_dpi OWNER TO eds;

--
-- Data for Name: dim_patient; Type: TABLE DATA; Schema: public; Owner: eds
--

COPY public.dim_patient (patient_sk, pseudo_id, annee_naissance, sexe) FROM stdin;
1	72677107d4d1517af87d4bd1f90aad274645e33edfc7c88f451d0756e25fe58f	2018	M
2	30a8a1aacb980c119ee0a828bfa818a986d033b9080947427f87b2955f461daf	1983	M
3	813af081acbaca4f30d6b1f827320956293357d5328be6ea25fffe7c0b55aedf	1997	M
4	b049163f73116cbb1bb489299a5248d71628ebd0441219acddb3177c172babe7	1961	F
5	5f200c9e1f5e5745e21c1e836164606a2c97f94a2bbcb9d89f9808235b09ce6d	2022	M
6	7047e1716586833d1be5d0e207f3c611ce64907817835e953b6b1fe1389fa42d	1936	M
7	88bfae6d6bf1b78098c3c85743703cc4f011f14da39aa7821e8fbd0c7f146704	1968	F
8	63f8c58574ab0897b0dba727bab6c1b37a45637b2744e5df2219d555762a7f13	1989	M
9	6883d2d427b081c833d618eafb5eec97294d836375dd1c7e6dd313b0b3810c27	1997	M
10	af6726f68fc8697d21d2b4fe0cf6c0b082b7a69dc4d0f12cd162ff53337f8bad	2014	F
11	7435640fbbd7cbfef8ec972e77d30e27261dc95c8e8263e4afee1d71f3f7bd94	2024	M
12	bbee371f068616efe9a1bb33f065ae08639fcb807b9478885e19af008fcc1da6	1936	F
13	f09fae2e3ff2adec4e451955d3cd3f4e60b76615757d290ff26ae136934f3923	1967	F
14	9f0cc4afcdd9bb3385749f59342a59c6cb47a41d1dabdcc3f5e41b6392709ec4	2013	F
15	11bd50cebe201b8e9d87a92372d4eb34616f6f19096235c06b266370e4b94632	1973	M
16	b9eed15a5ac2147c37ea99c7c7e0c0163d866a049c7ba0496fdb9fc0b887e1ff	1986	M
17	1777937b0a740a5918214d1a4987ad067898c8832798e6febff321aa0b466802	1985	M
18	8d1cc93d794852c7f811c60c0f6e22ed5c9eab7a1b06d9ebf15d703bac9324dd	1937	F
19	e16e28aff3d1d9317fe5805594351646bde817257385b7b1d0d8f0aabed3ab2d	1976	M
20	2dfdbc694a5eae1de4a6776b0b06a2caf0e2b2fea94877d7e81650925fb8fceb	1994	F
21	a0646927911595be925452766b7ae7879b1f3a870241adfb03e8144e3d54a9ca	1996	F
22	7cf9cc0314987c807ddce0b7410f597d2e04cd72205d6119d05766937faa1a14	1958	F
23	f34072bcdc5f7d442c9233d30d22dfe0fd6436aced4699291842fe7c40ba9e8f	1982	M
24	48de980846e345cc86d77237afa568e3aadbd3cfe19b2138283a1de754708408	1956	F
25	61c9c826c425f1cc37da0d6b601a543d6660ae7dc2d108329be947b23a007577	1999	M
26	c9f63f27e33e19b1f0bbd597215d8950a9dfa37d34725c1dd739896cde21bfba	1997	F
27	8c7eb56f19b680a5c83bde54aa5db9e50f841ab34b50d49366e4bea21feebc4e	2022	F
28	cec27a23a2543cbb22838392858fce03028a7429bac97183a4603c6ffec120a5	1955	F
29	30f263e20946dce01096c30b2dc0ef7273c79f84036638798caab716f7619d34	1969	F
30	19b362fd2f30ecfea47e0b9fb5c08fd4940144a522fc041187dab23012ff9c10	2024	M
31	4a4e809ecd13502b1b1dc6bcdce3307aeb7fa41cc1fb7e7c2188db94edd1a0ef	1935	F
32	dedb0f72205729e6416a195988d1b77e3523f0b428daf124e9ca4671b2b00ca6	1980	M
33	d9f7794f0665707e85c0b721fcc38cb8c65430d5ef0621890f77fe828deeaa93	1949	F
34	f58e499eca347a30b44b11470f2d983aee026a98a7dcefd41e65b1070c7a0510	2002	F
35	8677c32f2b9224a4d80e9c962118add1844925d4404a803e40a7139a68581cfe	1940	M
36	718ad784463804077b0c619b700868271868e5428465e27d01e17e837f8339b9	2001	F
37	cdbf3d429e580ff25fc1d07942089ec711e28b14c085f2948f268755f4bee41c	1984	F
38	470b8bdf53e99fbdd71354f3f794d26f960d5f49d3a6b5675443f4e2f698d732	1967	M
39	1464ce0290250495458a43dc350e08d29cfa54f0eda232d2051250f8dfbf8636	2018	F
40	0c4921c3a97174e04da0c78c2a87d10f5ecacc3fb05236183851bc8be51b4d72	1977	M
41	40b4a7bf431266ceda0542e86a2b361f5aae1706b35815d01de4ea6cc36e3b86	2016	M
42	32bbf6df8cd19981b339359401027a9e2b04e5afe8dc15e0ba625481775f4a89	1962	F
43	fb84625b5a8a15e91b8f4c02fb5206a510951fc768c1a674a29269554329a974	1952	M
44	579c022f97f37011d806a3aa002dffb5b74870888b83ec7b15f0470998479acd	2013	F
45	13f2a6fec10189bc8a612da448e0453f9b6c457c10e4a2b296ccf231e43e0c78	1950	F
46	ff0e198e39e714166f765c942792b2483475c617bc0beaf4615cbdbe473c5402	2018	M
47	db4ac40845fa436a9f679f6d0a2f9821fbacf460bc526da2c8f574890f1ab1f4	1969	F
48	591662a38df5874168529830ba79470649e73e715570ac2ee5ef3408caee1d1d	1957	M
49	c53516bd6e1f12d94db11a7753a7639ae358df24b7d0fe92cd89afe4c9053b8c	2000	M
50	ff002b2c6dd0e829162d85e7262c8e1bab4a5e8e6a98a3b18f4481db95f6cc18	2023	M
51	19477cd4e668f44a9ec1fb1270f9463173c71249c6b2886ec2b1c79ba219f4bc	1976	F
52	b15939c7f3c55d56856e68613395223adb455f42bb13dbf49dbe1163d96b4878	1951	M
53	0a9ae2491bfba3d5afcc7119dbaaa3cc50f6bffc4e4c1c5739dcfc4038c08ca1	2023	F
54	e69397d370d568d66a565003b5483280b5704e913c92c98106e87594fde46225	1974	F
55	7977ff7af66727461e3c2105f1e079ccf2f7d59a984195b4895aec3c8e304419	1996	M
56	82bfc2c020d6883021d6ec8cdfcf3412f150c2ccfa4f97d6e3278aefedbb077e	1988	F
57	d3a25ea11f0e463099e5cb5037f2bee073d0b9dda0977a4b1d2d936aa857d5b1	1974	M
58	ef26cff055139a145cf2cde6eabf7d44519b0433c5f34085e86a98b2e5cc9ca3	1998	F
59	2910aaa80e40015290f5df233fc36aef4d81078fb2015e62a262f6ec72930fc5	2006	M
60	1fc8c6375657ab515ff8f2e84949f5553aaa9bd935697cd459b088510192140f	1971	M
\.


--
-- Data for Name: dim_temps; Type: TABLE DATA; Schema: public; Owner: eds
--

COPY public.dim_temps (temps_sk, jour, mois, annee) FROM stdin;
20260201	2026-02-01	2	2026
20260202	2026-02-02	2	2026
20260203	2026-02-03	2	2026
20260204	2026-02-04	2	2026
20260205	2026-02-05	2	2026
20260206	2026-02-06	2	2026
20260207	2026-02-07	2	2026
20260208	2026-02-08	2	2026
20260209	2026-02-09	2	2026
20260210	2026-02-10	2	2026
20260211	2026-02-11	2	2026
20260212	2026-02-12	2	2026
20260213	2026-02-13	2	2026
20260214	2026-02-14	2	2026
20260215	2026-02-15	2	2026
20260216	2026-02-16	2	2026
20260217	2026-02-17	2	2026
20260218	2026-02-18	2	2026
20260219	2026-02-19	2	2026
20260220	2026-02-20	2	2026
20260221	2026-02-21	2	2026
20260222	2026-02-22	2	2026
20260223	2026-02-23	2	2026
20260224	2026-02-24	2	2026
20260225	2026-02-25	2	2026
20260226	2026-02-26	2	2026
20260227	2026-02-27	2	2026
20260228	2026-02-28	2	2026
\.


--
-- Data for Name: fait_sejour; Type: TABLE DATA; Schema: public; Owner: eds
--

COPY public.fait_sejour (sejour_sk, patient_sk, temps_sk, uf, duree_jours, ghm) FROM stdin;
1	1	20260226	PNEUMO	7	19M04
2	2	20260218	PNEUMO	9	18M07
3	3	20260228	PEDIA	19	13M10
4	4	20260220	PEDIA	5	27M17
5	5	20260215	CARDIO	3	26M17
6	6	20260214	MATER	16	19M16
7	7	20260228	PEDIA	4	09M09
8	8	20260204	PNEUMO	7	19M06
9	9	20260211	PNEUMO	14	23M15
10	10	20260215	CHIR-VISC	14	20M02
11	11	20260222	MATER	14	24M17
12	12	20260217	CARDIO	9	27M03
13	13	20260210	CHIR-VISC	9	18M06
14	14	20260207	URG	17	08M13
15	15	20260228	ORTHO	1	21M04
16	16	20260201	MED-INT	16	01M05
17	17	20260225	PEDIA	15	01M12
18	18	20260210	ORTHO	4	25M12
19	19	20260203	CHIR-VISC	9	27M08
20	20	20260217	REA	10	11M15
21	21	20260215	CARDIO	6	21M05
22	22	20260222	ORTHO	0	03M19
23	23	20260228	PNEUMO	19	08M20
24	24	20260211	CARDIO	18	15M09
25	25	20260219	MED-INT	16	20M07
26	26	20260206	REA	20	25M07
27	27	20260210	MATER	3	22M17
28	28	20260219	ORTHO	10	05M10
29	29	20260220	PNEUMO	17	13M20
30	30	20260208	MED-INT	9	08M20
31	31	20260207	REA	12	05M02
32	32	20260216	MATER	21	24M19
33	33	20260214	REA	16	03M12
34	34	20260210	URG	4	20M04
35	35	20260205	MED-INT	4	19M20
36	36	20260220	URG	19	26M20
37	37	20260209	PNEUMO	0	22M13
38	38	20260221	CHIR-VISC	9	18M06
39	39	20260210	CHIR-VISC	8	21M07
40	40	20260202	CARDIO	9	15M17
41	41	20260214	MATER	6	15M20
42	42	20260228	URG	13	01M16
43	43	20260203	REA	11	26M20
44	44	20260213	MED-INT	16	19M09
45	45	20260206	PEDIA	20	26M04
46	46	20260205	REA	5	17M09
47	47	20260210	ORTHO	7	18M08
48	48	20260223	CARDIO	17	20M02
49	49	20260201	PEDIA	3	13M17
50	50	20260215	URG	14	14M10
51	51	20260210	ORTHO	4	24M19
52	52	20260205	PEDIA	13	08M05
53	53	20260201	MED-INT	2	03M08
54	54	20260211	URG	0	20M01
55	55	20260216	URG	10	09M12
56	56	20260211	MED-INT	0	17M03
57	57	20260208	REA	4	24M02
58	58	20260221	MATER	17	23M08
59	59	20260206	MED-INT	15	02M19
60	60	20260226	MED-INT	13	08M07
\.


--
-- Data for Name: fait_diagnostic; Type: TABLE DATA; Schema: public; Owner: eds
--

COPY public.fait_diagnostic (diag_sk, sejour_sk, cim10) FROM stdin;
1	1	O80
2	2	I21.4
3	3	R07.4
4	4	J18.9
5	5	N39.0
6	6	S72.0
7	7	R07.4
8	8	S72.0
9	9	I21.4
10	10	J18.9
11	11	K35.8
12	12	I21.4
13	13	J44.1
14	14	O80
15	15	N39.0
16	16	I50.0
17	17	N39.0
18	18	J18.9
19	19	J18.9
20	20	J44.1
21	21	E11.9
22	22	J18.9
23	23	R07.4
24	24	K35.8
25	25	E11.9
26	26	E11.9
27	27	I21.4
28	28	E11.9
29	29	N39.0
30	30	J44.1
31	31	J18.9
32	32	I50.0
33	33	I50.0
34	34	O80
35	35	N39.0
36	36	O80
37	37	J18.9
38	38	K35.8
39	39	R07.4
40	40	E11.9
41	41	E11.9
42	42	R07.4
43	43	K35.8
44	44	N39.0
45	45	N39.0
46	46	E11.9
47	47	I50.0
48	48	E11.9
49	49	I21.4
50	50	N39.0
51	51	I50.0
52	52	J18.9
53	53	O80
54	54	R07.4
55	55	O80
56	56	J18.9
57	57	N39.0
58	58	R07.4
59	59	I21.4
60	60	S72.0
\.


--
-- Name: dim_patient dim_patient_pkey; Type: CONSTRAINT; Schema: public; Owner: eds
--

ALTER TABLE ONLY public.dim_patient
    ADD CONSTRAINT dim_patient_pkey PRIMARY KEY (patient_sk);


--
-- Name: dim_temps dim_temps_pkey; Type: CONSTRAINT; Schema: public; Owner: eds
--

ALTER TABLE ONLY public.dim_temps
    ADD CONSTRAINT dim_temps_pkey PRIMARY KEY (temps_sk);


--
-- Name: fait_sejour fait_sejour_pkey; Type: CONSTRAINT; Schema: public; Owner: eds
--

ALTER TABLE ONLY public.fait_sejour
    ADD CONSTRAINT fait_sejour_pkey PRIMARY KEY (sejour_sk);


--
-- Name: fait_diagnostic fait_diagnostic_pkey; Type: CONSTRAINT; Schema: public; Owner: eds
--

ALTER TABLE ONLY public.fait_diagnostic
    ADD CONSTRAINT fait_diagnostic_pkey PRIMARY KEY (diag_sk);


--
-- PostgreSQL database dump complete
--

