import streamlit as st

st.title("Savings")
st.caption("Coming soon.")
